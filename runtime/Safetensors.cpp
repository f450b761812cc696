//===- Safetensors.cpp - reading .safetensors checkpoints -----------------===//

#include "runtime/Safetensors.h"

#include "runtime/Files.h"
#include "runtime/Json.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include <cstring>

namespace tessel {

using json = nlohmann::json;

namespace {

int64_t widthOf(const std::string &dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64")
    return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32")
    return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16")
    return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" ||
      dtype == "F8_E5M2")
    return 1;
  return 0;
}

} // namespace

Status SafetensorsFile::open(const std::string &path) {
  std::string bytes;
  TESSEL_RETURN_IF_ERROR(readFile(path, bytes));
  return openBytes(std::move(bytes), path);
}

Status SafetensorsFile::openBytes(std::string bytes, const std::string &name) {
  fileName = name;
  data = std::move(bytes);
  entries.clear();
  meta.clear();
  if (data.size() < 8)
    return errorf(name, ": not a safetensors file (", data.size(),
                  " bytes, shorter than the 8-byte header length)");
  uint64_t headerLength;
  std::memcpy(&headerLength, data.data(), 8);
  if (headerLength > data.size() - 8)
    return errorf(name, ": truncated: the header says ", headerLength,
                  " bytes of JSON, the file has ", data.size() - 8);
  dataStart = 8 + headerLength;
  json header;
  // parseJson refuses a tensor named twice (nlohmann would keep the last).
  Status parsed = parseJson(name + " (header)",
                            data.substr(8, headerLength), header);
  if (!parsed.isOk())
    return parsed;
  if (!header.is_object())
    return errorf(name, ": the header is not a JSON object");
  uint64_t dataSize = data.size() - dataStart;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object())
        return errorf(name, ": \"__metadata__\" is not an object");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          return errorf(name, ": \"__metadata__\" value \"", m.key(),
                        "\" is not a string");
        meta[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const json &e = it.value();
    std::string where = name + ": tensor \"" + it.key() + "\"";
    if (!e.is_object())
      return errorf(where, ": entry is not an object");
    auto dtype = e.find("dtype"), shape = e.find("shape"),
         offsets = e.find("data_offsets");
    if (dtype == e.end() || !dtype->is_string() || shape == e.end() ||
        !shape->is_array() || offsets == e.end() || !offsets->is_array() ||
        offsets->size() != 2)
      return errorf(where,
                    ": needs dtype, shape and data_offsets [begin, end]");
    SafetensorsEntry entry;
    entry.dtype = dtype->get<std::string>();
    int64_t width = widthOf(entry.dtype);
    if (!width)
      return errorf(where, ": unknown dtype ", entry.dtype);
    uint64_t count = 1;
    for (const json &d : *shape) {
      if (!d.is_number_unsigned() &&
          !(d.is_number_integer() && d.get<int64_t>() >= 0))
        return errorf(where, ": shape entries must be non-negative integers");
      uint64_t size = d.get<uint64_t>();
      if (size && count > dataSize / size)
        return errorf(where, ": shape is larger than the file");
      count *= size;
      entry.shape.push_back(static_cast<int64_t>(size));
    }
    for (const json &o : *offsets)
      if (!o.is_number_unsigned() &&
          !(o.is_number_integer() && o.get<int64_t>() >= 0))
        return errorf(where, ": data_offsets must be non-negative integers");
    entry.begin = (*offsets)[0].get<uint64_t>();
    entry.end = (*offsets)[1].get<uint64_t>();
    if (entry.begin > entry.end || entry.end > dataSize)
      return errorf(where, ": data_offsets [", entry.begin, ", ", entry.end,
                    "] fall outside the ", dataSize,
                    " bytes of data (truncated file?)");
    if (entry.end - entry.begin != count * width)
      return errorf(where, ": ", entry.end - entry.begin,
                    " bytes of data for shape ", formatShape(entry.shape),
                    " of ", entry.dtype, " (expected ", count * width, ")");
    entries[it.key()] = entry;
  }
  // Two tensors may not share bytes: one write would change the other.
  std::vector<std::pair<const std::string *, const SafetensorsEntry *>> byBegin;
  for (const auto &[tensor, entry] : entries)
    if (entry.end > entry.begin)
      byBegin.push_back({&tensor, &entry});
  std::sort(byBegin.begin(), byBegin.end(), [](const auto &a, const auto &b) {
    return a.second->begin < b.second->begin;
  });
  for (size_t i = 1; i < byBegin.size(); ++i)
    if (byBegin[i].second->begin < byBegin[i - 1].second->end)
      return errorf(name, ": tensors \"", *byBegin[i - 1].first, "\" and \"",
                    *byBegin[i].first, "\" overlap in the data");
  return Status::ok();
}

Status SafetensorsFile::readFloat(const std::string &name,
                                  Tensor &tensor) const {
  auto it = entries.find(name);
  if (it == entries.end())
    return errorf(fileName, ": no tensor \"", name, "\"");
  const SafetensorsEntry &e = it->second;
  tensor = Tensor::zeros(DType::F32, e.shape);
  const char *p = data.data() + dataStart + e.begin;
  int64_t n = tensor.numel();
  if (e.dtype == "F32") {
    std::memcpy(tensor.floats.data(), p, n * 4);
  } else if (e.dtype == "F16" || e.dtype == "BF16") {
    for (int64_t i = 0; i < n; ++i) {
      uint16_t bits;
      std::memcpy(&bits, p + 2 * i, 2);
      tensor.floats[i] =
          e.dtype == "F16" ? halfToFloat(bits) : bfloat16ToFloat(bits);
    }
  } else {
    return errorf(fileName, ": tensor \"", name, "\" has dtype ", e.dtype,
                  "; expected F32, F16 or BF16");
  }
  return Status::ok();
}

namespace {

/// The length prefix and header of a safetensors file of `tensors`.
std::string headerOf(const std::vector<std::pair<std::string, Tensor>> &tensors,
                     const std::map<std::string, std::string> &metadata) {
  json header = json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto &[name, t] : tensors) {
    uint64_t bytes = t.numel() * 4;
    header[name] = {{"dtype", "F32"},
                    {"shape", t.shape},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  uint64_t length = text.size();
  return std::string(reinterpret_cast<const char *>(&length), 8) + text;
}

std::string_view bytesOf(const Tensor &t) {
  return {reinterpret_cast<const char *>(t.floats.data()),
          static_cast<size_t>(t.numel()) * 4};
}

} // namespace

Status
writeSafetensors(const std::string &path,
                 const std::vector<std::pair<std::string, Tensor>> &tensors,
                 const std::map<std::string, std::string> &metadata) {
  std::string header = headerOf(tensors, metadata);
  std::vector<std::string_view> parts = {header};
  for (const auto &entry : tensors)
    parts.push_back(bytesOf(entry.second));
  return writeFile(path, parts);
}

std::string
safetensorsBytes(const std::vector<std::pair<std::string, Tensor>> &tensors,
                 const std::map<std::string, std::string> &metadata) {
  std::string bytes = headerOf(tensors, metadata);
  for (const auto &entry : tensors)
    bytes.append(bytesOf(entry.second));
  return bytes;
}

} // namespace tessel
