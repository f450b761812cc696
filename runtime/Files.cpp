//===- Files.cpp - reading inputs, writing outputs safely -----------------===//

#include "runtime/Files.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessel {

namespace {

/// Writes all of `parts` to `fd`.
bool writeAll(int fd, const std::vector<std::string_view> &parts) {
  for (std::string_view bytes : parts) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      done += static_cast<size_t>(n);
    }
  }
  return true;
}

} // namespace

Status fingerprintFile(const std::string &path, std::string &fingerprint) {
  std::string bytes;
  TESSEL_RETURN_IF_ERROR(readFile(path, bytes));
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx",
                static_cast<unsigned long long>(hash));
  fingerprint = std::string("fnv1a64:") + hex;
  return Status::ok();
}

Status readFile(const std::string &path, std::string &bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errorf(path, ": cannot open file: ", std::strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0 || S_ISDIR(info.st_mode)) {
    ::close(fd);
    return errorf(path, ": is a directory, not a file");
  }
  // A regular file is read whole; a pipe or a device up to a limit (what
  // /dev/zero would give is endless).
  bool regular = S_ISREG(info.st_mode);
  constexpr size_t kStreamLimit = size_t(1) << 30;
  bytes.clear();
  try {
    if (regular)
      bytes.reserve(static_cast<size_t>(info.st_size));
    char buffer[1 << 16];
    while (true) {
      ssize_t n = ::read(fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        int err = errno;
        ::close(fd);
        return errorf(path, ": read error: ", std::strerror(err));
      }
      if (n == 0)
        break;
      if (!regular && bytes.size() + n > kStreamLimit) {
        ::close(fd);
        return errorf(path, ": not a regular file, and more than 1 GiB "
                            "came from it; give a file");
      }
      bytes.append(buffer, static_cast<size_t>(n));
    }
  } catch (const std::bad_alloc &) {
    ::close(fd);
    bytes.clear();
    return errorf(path, ": too large to read into memory (",
                  static_cast<long long>(info.st_size), " bytes)");
  }
  ::close(fd);
  return Status::ok();
}

std::string uniqueSibling(const std::string &path) {
  static std::atomic<unsigned> counter{0};
  return path + ".partial-" + std::to_string(getpid()) + "-" +
         std::to_string(counter++);
}

Status writeFile(const std::string &path,
                 const std::vector<std::string_view> &parts) {
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
      bool ok = writeAll(fd, parts);
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
  bool ok = writeAll(fd, parts);
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
