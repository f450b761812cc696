//===- Status.h - error results without exceptions --------------*- C++ -*-===//
//
// The runtime has no MLIR or LLVM dependency, so it carries its own small
// error type: a message that is empty on success.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_STATUS_H
#define TESSEL_RUNTIME_STATUS_H

#include <sstream>
#include <string>
#include <utility>

namespace tessel {

/// The outcome of a runtime call: success, or a one-line message.
class [[nodiscard]] Status {
public:
  static Status ok() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.message_ = message.empty() ? "unknown error" : std::move(message);
    return s;
  }
  bool isOk() const { return message_.empty(); }
  const std::string &message() const { return message_; }

private:
  std::string message_;
};

/// Builds a message from streamable parts: `errorf("bad shape ", shape)`.
template <typename... Parts> Status errorf(const Parts &...parts) {
  std::ostringstream os;
  (os << ... << parts);
  return Status::error(os.str());
}

} // namespace tessel

/// Returns from the enclosing function if `expr` is an error.
#define TESSEL_RETURN_IF_ERROR(expr)                                           \
  do {                                                                         \
    ::tessel::Status status_ = (expr);                                         \
    if (!status_.isOk())                                                       \
      return status_;                                                          \
  } while (false)

#endif // TESSEL_RUNTIME_STATUS_H
