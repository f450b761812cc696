//===- FieldReader.cpp - typed, located access to JSON fields -------------===//

#include "frontend/FieldReader.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace tessel::frontend {

std::string describe(const nlohmann::json &value) {
  switch (value.type()) {
  case nlohmann::json::value_t::null:
    return "null";
  case nlohmann::json::value_t::boolean:
    return value.get<bool>() ? "true" : "false";
  case nlohmann::json::value_t::number_integer:
  case nlohmann::json::value_t::number_unsigned:
    return "the integer " + value.dump();
  case nlohmann::json::value_t::number_float:
    return "the number " + value.dump();
  case nlohmann::json::value_t::string: {
    std::string s = value.get<std::string>();
    if (s.size() > 40)
      s = s.substr(0, 40) + "...";
    return "the string " + quoteJson(s);
  }
  case nlohmann::json::value_t::array:
    return "an array";
  case nlohmann::json::value_t::object:
    return "an object";
  default:
    return "an unsupported value";
  }
}

bool FieldReader::fail(const std::string &path, const std::string &what) {
  if (!error.empty())
    return false;
  error =
      source.position(path) + ": " + (path.empty() ? "." : path) + ": " + what;
  // One line, whatever the input's keys and strings hold.
  std::string printable;
  for (char c : error) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x",
                    static_cast<unsigned char>(c));
      printable += escaped;
    } else {
      printable += c;
    }
  }
  error = printable;
  return false;
}

bool FieldReader::expectObject(const json &object, const std::string &path) {
  if (failed())
    return false;
  if (!object.is_object())
    return fail(path, "expected an object, got " + describe(object));
  return true;
}

const nlohmann::json *FieldReader::member(const json &object,
                                          const std::string &path,
                                          const char *key, bool required) {
  if (failed() || !object.is_object())
    return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required)
      fail(path, std::string("missing required field \"") + key + "\"");
    return nullptr;
  }
  return &*it;
}

void FieldReader::integer(const json &object, const std::string &path,
                          const char *key, int64_t &out, bool required,
                          int64_t min, int64_t max) {
  const json *value = member(object, path, key, required);
  if (!value)
    return;
  std::string at = JsonSource::child(path, key);
  bool isInt = value->is_number_integer() ||
               (value->is_number_float() &&
                std::nearbyint(value->get<double>()) == value->get<double>() &&
                std::fabs(value->get<double>()) < 9e15);
  if (!isInt) {
    fail(at, "expected an integer, got " + describe(*value));
    return;
  }
  // Unsigned values above int64 and floats are range-checked as doubles.
  double asDouble = value->is_number_unsigned()
                        ? static_cast<double>(value->get<uint64_t>())
                        : value->get<double>();
  if (asDouble < static_cast<double>(min) ||
      asDouble > static_cast<double>(max)) {
    std::ostringstream os;
    os << "expected an integer in [" << min << ", " << max << "], got "
       << value->dump();
    fail(at, os.str());
    return;
  }
  out = static_cast<int64_t>(asDouble);
}

void FieldReader::number(const json &object, const std::string &path,
                         const char *key, double &out, bool required,
                         double min, double max) {
  const json *value = member(object, path, key, required);
  if (!value)
    return;
  std::string at = JsonSource::child(path, key);
  if (!value->is_number()) {
    fail(at, "expected a number, got " + describe(*value));
    return;
  }
  double v = value->get<double>();
  if (!(v >= min && v <= max)) {
    std::ostringstream os;
    os << "expected a number in [" << min << ", " << max << "], got "
       << value->dump();
    fail(at, os.str());
    return;
  }
  out = v;
}

void FieldReader::boolean(const json &object, const std::string &path,
                          const char *key, bool &out) {
  const json *value = member(object, path, key, false);
  if (!value)
    return;
  if (!value->is_boolean()) {
    fail(JsonSource::child(path, key),
         "expected true or false, got " + describe(*value));
    return;
  }
  out = value->get<bool>();
}

void FieldReader::keyword(const json &object, const std::string &path,
                          const char *key, std::string &out, bool required,
                          std::initializer_list<const char *> allowed) {
  const json *value = member(object, path, key, required);
  if (!value)
    return;
  std::string at = JsonSource::child(path, key);
  std::string choices;
  for (const char *a : allowed)
    choices += std::string(choices.empty() ? "" : ", ") + "\"" + a + "\"";
  if (!value->is_string()) {
    fail(at, "expected one of " + choices + ", got " + describe(*value));
    return;
  }
  std::string s = value->get<std::string>();
  for (const char *a : allowed)
    if (s == a) {
      out = s;
      return;
    }
  fail(at, "expected one of " + choices + ", got " + describe(*value));
}

void FieldReader::onlyKnownKeys(const json &object, const std::string &path,
                                std::initializer_list<const char *> known) {
  if (failed() || !object.is_object())
    return;
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool ok = false;
    for (const char *k : known)
      ok = ok || it.key() == k;
    if (!ok) {
      std::string list;
      for (const char *k : known)
        list += std::string(list.empty() ? "" : ", ") + k;
      fail(JsonSource::child(path, it.key()),
           "unknown field " + quoteJson(it.key()) +
               " (expected one of: " + list + ")");
      return;
    }
  }
}

} // namespace tessel::frontend
