//===- Safetensors.h - reading .safetensors checkpoints ---------*- C++ -*-===//
//
// The format: an 8-byte little-endian header length N, N bytes of JSON
// mapping tensor names to {dtype, shape, data_offsets: [begin, end]} (plus an
// optional "__metadata__"), then the data. Every field is checked against
// the file before any data is read, so a truncated or corrupt file is an
// error, never an out-of-bounds read.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_SAFETENSORS_H
#define TESSEL_RUNTIME_SAFETENSORS_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tessel {

struct SafetensorsEntry {
  std::string dtype; ///< "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0; ///< Byte range within the data section.
};

class SafetensorsFile {
public:
  /// Reads and checks the header of `path` (the data is read on demand).
  Status open(const std::string &path);
  /// Parses an in-memory image; `name` is used in messages.
  Status openBytes(std::string bytes, const std::string &name);

  bool contains(const std::string &name) const {
    return entries.count(name) != 0;
  }
  const std::map<std::string, SafetensorsEntry> &tensors() const {
    return entries;
  }
  /// Reads tensor `name` converted to f32 (F32, F16, BF16 stored).
  Status readFloat(const std::string &name, Tensor &tensor) const;
  /// The header's "__metadata__" (string to string), empty when none.
  const std::map<std::string, std::string> &metadata() const { return meta; }

private:
  std::string fileName, data; ///< data: the whole file.
  uint64_t dataStart = 0;
  std::map<std::string, SafetensorsEntry> entries;
  std::map<std::string, std::string> meta;
};

/// Writes `tensors` as a safetensors file (F32 for float tensors), with
/// `metadata` as its "__metadata__" when not empty, atomically.
Status
writeSafetensors(const std::string &path,
                 const std::vector<std::pair<std::string, Tensor>> &tensors,
                 const std::map<std::string, std::string> &metadata = {});

/// The bytes writeSafetensors would write (for SafetensorsFile::openBytes).
std::string
safetensorsBytes(const std::vector<std::pair<std::string, Tensor>> &tensors,
                 const std::map<std::string, std::string> &metadata = {});

} // namespace tessel

#endif // TESSEL_RUNTIME_SAFETENSORS_H
