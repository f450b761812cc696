//===- Files.cpp - writing outputs without destroying anything ------------===//

#include "runtime/Files.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessel {

namespace {

/// Writes all of `bytes` to `fd`.
bool writeAll(int fd, const std::string &bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

} // namespace

std::string uniqueSibling(const std::string &path) {
  static std::atomic<unsigned> counter{0};
  return path + ".partial-" + std::to_string(getpid()) + "-" +
         std::to_string(counter++);
}

Status writeFile(const std::string &path, const std::string &bytes) {
  struct stat info;
  if (lstat(path.c_str(), &info) == 0) {
    if (S_ISLNK(info.st_mode))
      return errorf(path, ": is a symbolic link; give the file it points "
                          "to (it is never replaced)");
    if (S_ISDIR(info.st_mode))
      return errorf(path, ": is a directory");
    if (!S_ISREG(info.st_mode)) {
      // A FIFO, a device, a socket: write through it, never replace it.
      int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        return errorf(path, ": cannot open for writing: ",
                      std::strerror(errno));
      bool ok = writeAll(fd, bytes);
      int err = errno;
      ok = ::close(fd) == 0 && ok;
      if (!ok)
        return errorf(path, ": write failed: ", std::strerror(err));
      return Status::ok();
    }
  }
  std::string tmp = uniqueSibling(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return errorf(path, ": cannot create file: ", std::strerror(errno));
  bool ok = writeAll(fd, bytes);
  int err = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    return errorf(path, ": write failed: ", std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    std::remove(tmp.c_str());
    return errorf(path, ": cannot rename into place: ", std::strerror(err));
  }
  return Status::ok();
}

} // namespace tessel
