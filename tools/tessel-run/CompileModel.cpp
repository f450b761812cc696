//===- CompileModel.cpp - a model definition compiled on the fly ----------===//
//
// `tessel-run train MODEL.json` compiles the definition first, with the
// `tesselc` that the full build puts beside `tessel-run`, into a temporary
// directory removed when the run ends. tessel-run itself links no MLIR:
// the compiler runs as a process of its own, and the runtime-only build
// (no tesselc) says so and asks for an artifact.
//
//===----------------------------------------------------------------------===//

#include "runtime/Files.h"
#include "tools/tessel-run/Commands.h"

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace tessel;

namespace {

/// The directory this executable is in ("" if /proc cannot say).
std::string executableDirectory() {
  char buffer[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0)
    return "";
  std::string path(buffer, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

} // namespace

bool run::isModelDefinition(const std::string &path) {
  struct stat info;
  return path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0 &&
         stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

run::CompiledModel::~CompiledModel() {
  if (!directory.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }
}

Status run::compileModel(const std::string &model,
                         const std::vector<std::string> &flags,
                         CompiledModel &out) {
  std::string tesselc = executableDirectory() + "/tesselc";
  if (access(tesselc.c_str(), X_OK) != 0)
    return errorf(model, ": a model definition is compiled by tesselc, which "
                         "this build does not have (the runtime-only build); "
                         "compile it elsewhere with tesselc and give the "
                         "artifact");
  const char *tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/tessel-run-XXXXXX";
  if (!mkdtemp(pattern.data()))
    return errorf(pattern, ": cannot create a temporary directory: ",
                  std::strerror(errno));
  out.directory = pattern;
  out.artifact = pattern + "/model.tsl";

  std::vector<std::string> argv = {tesselc, model};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), {"-o", out.artifact});
  std::string command;
  for (size_t i = 1; i < argv.size() - 2; ++i)
    command += (i > 1 ? " " : "") + argv[i];
  std::fprintf(stderr, "tessel-run: compiling: tesselc %s\n", command.c_str());
  std::vector<char *> cargv;
  for (std::string &a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);

  auto start = std::chrono::steady_clock::now();
  pid_t pid;
  if (int err = posix_spawn(&pid, tesselc.c_str(), nullptr, nullptr,
                            cargv.data(), environ))
    return errorf(tesselc, ": cannot run: ", std::strerror(err));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return errorf(tesselc, ": cannot wait for it: ", std::strerror(errno));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return errorf(model, ": tesselc did not compile it (",
                  WIFEXITED(status)
                      ? "exit " + std::to_string(WEXITSTATUS(status))
                      : std::string("killed by a signal"),
                  ")");
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::fprintf(stderr, "tessel-run: compiled in %.1f s\n", seconds);
  return Status::ok();
}
