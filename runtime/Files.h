//===- Files.h - reading inputs, writing outputs safely ---------*- C++ -*-===//
//
// Every file the tools read goes through readFile: a directory is refused
// in one line, a pipe or device is read up to a limit. Every file they
// write goes through writeFile: a regular file (or a
// new one) is replaced atomically, through a temporary name unique to the
// process, so a failure or a second writer never leaves a partial file;
// what is not a regular file is never replaced by one: a FIFO or a device
// (/dev/null, /dev/stdout) is written through, and a directory or a
// symbolic link is refused in one line.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_FILES_H
#define TESSEL_RUNTIME_FILES_H

#include "runtime/Status.h"

#include <string>
#include <string_view>
#include <vector>

namespace tessel {

/// Reads all of `path` into `bytes`; the error names the file.
Status readFile(const std::string &path, std::string &bytes);

/// Writes `parts`, one after the other, to `path` as described above (a
/// large file need not be assembled in memory first).
Status writeFile(const std::string &path,
                 const std::vector<std::string_view> &parts);

/// Writes `bytes` to `path`.
inline Status writeFile(const std::string &path, const std::string &bytes) {
  return writeFile(path, std::vector<std::string_view>{bytes});
}

/// A fingerprint of `path`'s bytes, "fnv1a64:" and 16 hex digits (FNV-1a,
/// 64 bits): it tells one compile's library from another's, not a forgery
/// from the real thing.
Status fingerprintFile(const std::string &path, std::string &fingerprint);

/// A name beside `path` that no other process or call uses:
/// `path`.partial-PID-N.
std::string uniqueSibling(const std::string &path);

} // namespace tessel

#endif // TESSEL_RUNTIME_FILES_H
