//===- Files.h - writing outputs without destroying anything ----*- C++ -*-===//
//
// Every file the tools write goes through writeFile: a regular file (or a
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

namespace tessel {

/// Writes `bytes` to `path` as described above.
Status writeFile(const std::string &path, const std::string &bytes);

/// A name beside `path` that no other process or call uses:
/// `path`.partial-PID-N.
std::string uniqueSibling(const std::string &path);

} // namespace tessel

#endif // TESSEL_RUNTIME_FILES_H
