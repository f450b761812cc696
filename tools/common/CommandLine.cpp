//===- CommandLine.cpp - subcommands and options, without LLVM ------------===//

#include "tools/common/CommandLine.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace tessel::cli {

namespace {

const CommandSpec *findCommand(const std::vector<CommandSpec> &commands,
                               std::string_view name) {
  for (const CommandSpec &c : commands)
    if (c.name == name)
      return &c;
  return nullptr;
}

const OptionSpec *findOption(const CommandSpec &command,
                             std::string_view name) {
  for (const OptionSpec &o : command.options)
    if (o.name == name || (!o.alias.empty() && o.alias == name))
      return &o;
  return nullptr;
}

std::string commandList(const std::vector<CommandSpec> &commands) {
  std::string list;
  for (size_t i = 0; i < commands.size(); ++i)
    list += (i == 0                     ? ""
             : i + 1 == commands.size() ? " or "
                                        : ", ") +
            commands[i].name;
  return list;
}

bool isHelp(std::string_view arg) {
  return arg == "--help" || arg == "-help" || arg == "-h";
}

} // namespace

bool ParsedArgs::has(std::string_view name) const {
  return values.find(name) != values.end();
}

std::string ParsedArgs::get(std::string_view name,
                            const std::string &fallback) const {
  auto it = values.find(name);
  return it == values.end() ? fallback : it->second.back();
}

std::vector<std::string> ParsedArgs::all(std::string_view name) const {
  auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>() : it->second;
}

/// Parses `text`, a value of option `name`, with `convert` (strtoull,
/// strtoll, strtod), which must consume all of it; `ok` says whether the
/// value is acceptable.
template <typename T, typename Convert, typename Ok>
static Status parseNumber(const std::string &text, std::string_view name,
                          T &value, Convert convert, Ok ok, const char *what) {
  char *end = nullptr;
  errno = 0;
  auto v = convert(text.c_str(), &end);
  if (text.empty() || *end || errno == ERANGE || !ok(text, v))
    return errorf("--", name, ": '", text, "' is not ", what);
  value = static_cast<T>(v);
  return Status::ok();
}

/// The option's (last) value through parseNumber; `value` keeps its
/// default when the option is absent.
template <typename T, typename Convert, typename Ok>
static Status getNumber(const ParsedArgs &args, std::string_view name, T &value,
                        Convert convert, Ok ok, const char *what) {
  if (!args.has(name))
    return Status::ok();
  return parseNumber(args.get(name, ""), name, value, convert, ok, what);
}

static uint64_t toUnsigned(const char *s, char **end) {
  return std::strtoull(s, end, 10);
}

static bool startsWithDigit(const std::string &text, uint64_t) {
  return text[0] >= '0' && text[0] <= '9';
}

Status ParsedArgs::getUnsigned(std::string_view name, uint64_t &value) const {
  return getNumber(*this, name, value, toUnsigned, startsWithDigit,
                   "a non-negative integer");
}

Status ParsedArgs::getAllUnsigned(std::string_view name,
                                  std::vector<uint64_t> &values,
                                  const char *what) const {
  for (const std::string &text : all(name)) {
    uint64_t value = 0;
    TESSEL_RETURN_IF_ERROR(
        parseNumber(text, name, value, toUnsigned, startsWithDigit, what));
    values.push_back(value);
  }
  return Status::ok();
}

Status ParsedArgs::getInt(std::string_view name, int64_t &value) const {
  return getNumber(
      *this, name, value,
      [](const char *s, char **end) { return std::strtoll(s, end, 10); },
      [](const std::string &, auto) { return true; }, "an integer");
}

Status ParsedArgs::getDouble(std::string_view name, double &value) const {
  return getNumber(
      *this, name, value,
      [](const char *s, char **end) { return std::strtod(s, end); },
      [](const std::string &, double v) { return std::isfinite(v); },
      "a finite number");
}

Status parse(int argc, char **argv, const std::vector<CommandSpec> &commands,
             ParsedArgs &args, bool &wantsHelp) {
  wantsHelp = argc >= 2 && isHelp(argv[1]);
  if (wantsHelp)
    return Status::ok();
  if (argc < 2)
    return errorf("expected a command: ", commandList(commands),
                  " (see --help)");
  const CommandSpec *command = findCommand(commands, argv[1]);
  if (!command)
    return errorf("unknown command '", argv[1], "'; expected ",
                  commandList(commands), " (see --help)");
  args.commandName = command->name;
  bool optionsEnded = false;
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!optionsEnded && arg == "--") {
      // Everything after `--` is positional, even if it starts with `-`.
      optionsEnded = true;
      continue;
    }
    if (!optionsEnded && isHelp(arg)) {
      wantsHelp = true;
      return Status::ok();
    }
    if (optionsEnded || arg.size() < 2 || arg[0] != '-') {
      if (command->positional.empty())
        return errorf(command->name, " takes no positional argument, got '",
                      arg, "'");
      if (args.positionalValue.empty()) {
        args.positionalValue = std::string(arg);
        continue;
      }
      if (command->maxExtra == 0)
        return errorf(command->name, " takes one ", command->positional,
                      ", got '", args.positionalValue, "' and '", arg, "'");
      if (args.extraValues.size() >= command->maxExtra)
        return errorf(command->name, " takes ", command->positional, " ",
                      command->extra, ", got an extra '", arg, "'");
      args.extraValues.push_back(std::string(arg));
      continue;
    }
    arg.remove_prefix(arg.rfind("--", 0) == 0 ? 2 : 1);
    std::string_view name = arg, inlineValue;
    size_t equals = arg.find('=');
    bool hasInline = equals != std::string_view::npos;
    if (hasInline) {
      name = arg.substr(0, equals);
      inlineValue = arg.substr(equals + 1);
    }
    const OptionSpec *option = findOption(*command, name);
    if (!option)
      return errorf(command->name, ": unknown option '--", name, "' (see ",
                    command->name, " --help)");
    std::string value;
    if (option->valueName.empty()) {
      if (hasInline)
        return errorf("--", name, " is a flag; it takes no value");
      value = "true";
    } else if (hasInline) {
      value = std::string(inlineValue);
    } else {
      if (i + 1 >= argc)
        return errorf("--", name, " needs a value (", option->valueName, ")");
      value = argv[++i];
    }
    if (value.empty())
      return errorf("--", name, " needs a value (", option->valueName, ")");
    auto &slot = args.values[option->name];
    if (!slot.empty() && !option->repeated)
      return errorf("--", name, " may be given only once");
    slot.push_back(std::move(value));
  }
  if (!command->positional.empty() && args.positionalValue.empty())
    return errorf(command->name, " needs a ", command->positional);
  for (const OptionSpec &o : command->options)
    if (o.required && !args.has(o.name))
      return errorf(command->name, ": --", o.name, " is required");
  return Status::ok();
}

std::string usage(const std::string &tool, const std::string &description,
                  const std::vector<CommandSpec> &commands,
                  const std::string &command) {
  std::ostringstream os;
  auto line = [&](const CommandSpec &c) {
    os << "  " << tool << " " << c.name;
    if (!c.positional.empty())
      os << " " << c.positional;
    if (!c.extra.empty())
      os << " " << c.extra;
    for (const OptionSpec &o : c.options) {
      std::string text = "--" + o.name;
      if (!o.valueName.empty())
        text += " " + o.valueName;
      if (o.repeated)
        text += "...";
      os << " " << (o.required ? text : "[" + text + "]");
    }
    os << "\n";
  };
  if (const CommandSpec *c = findCommand(commands, command)) {
    os << c->summary << "\n\nUSAGE:\n";
    line(*c);
    os << "\nOPTIONS:\n";
    for (const OptionSpec &o : c->options) {
      std::string text = (o.alias.empty() ? "" : "-" + o.alias + ", ") +
                         "--" + o.name;
      if (!o.valueName.empty())
        text += " " + o.valueName;
      os << "  " << text;
      os << std::string(text.size() < 26 ? 28 - text.size() : 2, ' ') << o.help
         << (o.required ? " (required)" : "") << "\n";
    }
    return os.str();
  }
  os << description << "\n\nCOMMANDS:\n";
  for (const CommandSpec &c : commands)
    os << "  " << c.name
       << std::string(c.name.size() < 12 ? 14 - c.name.size() : 2, ' ')
       << c.summary << "\n";
  os << "\nUSAGE:\n";
  for (const CommandSpec &c : commands)
    line(c);
  os << "\n" << tool << " COMMAND --help lists a command's options.\n";
  return os.str();
}

void printError(const std::string &tool, const std::string &message) {
  std::string line = tool + ": error: " + message;
  for (char &c : line)
    if (c == '\n')
      c = ' ';
  std::fprintf(stderr, "%s\n", line.c_str());
}

} // namespace tessel::cli
