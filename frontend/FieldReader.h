//===- FieldReader.h - typed, located access to JSON fields -----*- C++ -*-===//
//
// Reads fields of a JSON object with type and range checks. The first
// problem becomes the message `file:line:col: .path: what` and every later
// read is a no-op, so readers can read a whole section and check once.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_FRONTEND_FIELDREADER_H
#define TESSEL_FRONTEND_FIELDREADER_H

#include "frontend/JsonSource.h"

#include <cstdint>
#include <initializer_list>
#include <string>

namespace tessel::frontend {

class FieldReader {
public:
  using json = nlohmann::json;

  FieldReader(const JsonSource &source, std::string &error)
      : source(source), error(error) {}

  bool failed() const { return !error.empty(); }

  /// Records `what` at `path` (unless an error was already recorded).
  bool fail(const std::string &path, const std::string &what);

  /// The member `key` of the object `object` at `path`, or null when it is
  /// absent or JSON null. Fails when `required` and absent.
  const json *member(const json &object, const std::string &path,
                     const char *key, bool required);

  /// Integer in [min, max]. Absent or null: `out` keeps its value unless
  /// `required`.
  void integer(const json &object, const std::string &path, const char *key,
               int64_t &out, bool required, int64_t min = 1,
               int64_t max = kMaxSize);
  void number(const json &object, const std::string &path, const char *key,
              double &out, bool required, double min, double max);
  void boolean(const json &object, const std::string &path, const char *key,
               bool &out);
  /// A string that must be one of `allowed`.
  void keyword(const json &object, const std::string &path, const char *key,
               std::string &out, bool required,
               std::initializer_list<const char *> allowed);

  /// Fails on a member of `object` that is not in `known` (Tessel's own
  /// format is strict, so that a typo is an error rather than a default).
  void onlyKnownKeys(const json &object, const std::string &path,
                     std::initializer_list<const char *> known);

  /// Fails unless `object` is a JSON object.
  bool expectObject(const json &object, const std::string &path);

  /// The largest size accepted for any dimension; keeps every derived count
  /// far from 64-bit overflow.
  static constexpr int64_t kMaxSize = int64_t(1) << 24;
  /// The most layers a model may have.
  static constexpr int64_t kMaxLayers = 4096;

  const JsonSource &source;

private:
  std::string &error;
};

/// A JSON value's type for messages: "a string", "an integer", ...
std::string describe(const nlohmann::json &value);

} // namespace tessel::frontend

#endif // TESSEL_FRONTEND_FIELDREADER_H
