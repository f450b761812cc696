//===- CommandLine.h - subcommands and options, without LLVM ----*- C++ -*-===//
//
// The MLIR-free tools (tessel-run) cannot use llvm::cl: the runner must build
// and run on a machine with only a C++ compiler. This is the small part of
// it they need: subcommands, one positional argument, `--name value` or
// `--name=value` options (one dash works too), flags, repeated options,
// typed values, and --help. Every mistake is one line.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_TOOLS_COMMON_COMMANDLINE_H
#define TESSEL_TOOLS_COMMON_COMMANDLINE_H

#include "runtime/Status.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tessel::cli {

/// One option of a command: `--name VALUE`, or a flag when `valueName` is
/// empty.
struct OptionSpec {
  std::string name;      ///< Without dashes: "tokens".
  std::string valueName; ///< "ids.npy"; empty for a flag.
  std::string help;
  bool required = false;
  bool repeated = false; ///< May be given several times (in order).
  std::string alias;     ///< A second name, e.g. "o" for "output".
};

/// One subcommand: its name, a one-line summary, its positional argument
/// and its options.
struct CommandSpec {
  std::string name, summary;
  std::string positional; ///< Its name in usage ("MODEL.tsl"); empty: none.
  std::vector<OptionSpec> options;
  /// Optional positional arguments after the first, at most `maxExtra`:
  /// their name in usage ("[FILE]", "[CORPUS...]").
  std::string extra = {};
  size_t maxExtra = 0;
};

/// What the command line asked for.
class ParsedArgs {
public:
  const std::string &command() const { return commandName; }
  const std::string &positional() const { return positionalValue; }
  /// The positional arguments after the first, in order.
  const std::vector<std::string> &extras() const { return extraValues; }
  bool has(std::string_view name) const;
  /// The option's (last) value, or `fallback` when it was not given.
  std::string get(std::string_view name, const std::string &fallback) const;
  /// Every value of a repeated option, in order.
  std::vector<std::string> all(std::string_view name) const;

  /// Typed values; `value` keeps its default when the option is absent.
  Status getUnsigned(std::string_view name, uint64_t &value) const;
  Status getInt(std::string_view name, int64_t &value) const;
  Status getDouble(std::string_view name, double &value) const;
  /// Every value of a repeated option, each a non-negative integer (`what`
  /// names it in the error), appended to `values`.
  Status getAllUnsigned(std::string_view name, std::vector<uint64_t> &values,
                        const char *what = "a non-negative integer") const;

private:
  friend Status parse(int, char **, const std::vector<CommandSpec> &,
                      ParsedArgs &, bool &);
  std::string commandName, positionalValue;
  std::vector<std::string> extraValues;
  std::map<std::string, std::vector<std::string>, std::less<>> values;
};

/// Parses `argv` against `commands`. With `--help` (or `-h`) as the command,
/// or as an option of one (not as an option's value), sets `wantsHelp` and
/// returns success without checking the rest. `--` ends the options: what
/// follows is positional. Options that take a value need a non-empty one.
Status parse(int argc, char **argv, const std::vector<CommandSpec> &commands,
             ParsedArgs &args, bool &wantsHelp);

/// The usage text: every command, or, when `command` names one, its options.
std::string usage(const std::string &tool, const std::string &description,
                  const std::vector<CommandSpec> &commands,
                  const std::string &command);

/// Prints `tool: error: message` (newlines flattened) to stderr.
void printError(const std::string &tool, const std::string &message);

} // namespace tessel::cli

#endif // TESSEL_TOOLS_COMMON_COMMANDLINE_H
