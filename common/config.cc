#include "common/config.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/strip.h"
#include "common/strings.h"

namespace lagom {
namespace {

// absl's own flags (--flagfile, --fromenv, ...) are not configuration.
bool IsOwnFlag(const absl::CommandLineFlag& flag) {
  return !flag.IsRetired() && !absl::StrContains(flag.Filename(), "absl/");
}

std::vector<absl::CommandLineFlag*> OwnFlagsSorted() {
  std::vector<absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (IsOwnFlag(*flag)) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(), [](auto* a, auto* b) { return a->Name() < b->Name(); });
  return flags;
}

std::string_view ProgramName(const char* argv0) {
  std::string_view name = argv0 == nullptr ? "lagom" : argv0;
  const size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

void PrintHelp(std::string_view usage) {
  std::cout << usage << "\n\nFlags (each also settable as LAGOM_<NAME> in the environment):\n";
  for (const absl::CommandLineFlag* flag : OwnFlagsSorted()) {
    std::cout << "  --" << flag->Name() << " (" << flag->Help()
              << ") default: " << flag->DefaultValue() << "\n";
  }
}

struct CommandLine {
  std::vector<char*> positional;
  absl::flat_hash_set<std::string> given;
  bool help = false;
};

// Sets one flag from "--name[=value]"; may consume the next argument as the value.
absl::Status ParseFlagArg(std::string_view arg, int argc, char** argv, int& i, CommandLine& cl) {
  std::string_view body = ToStd(absl::StripPrefix(absl::StripPrefix(ToAbsl(arg), "-"), "-"));
  const size_t eq = body.find('=');
  const std::string name(body.substr(0, eq));
  std::optional<std::string> value;
  if (eq != std::string_view::npos) value = std::string(body.substr(eq + 1));
  if (name == "help" || name == "helpfull") {
    cl.help = true;
    return absl::OkStatus();
  }
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  if (flag == nullptr && !value && absl::StartsWith(name, "no")) {
    flag = absl::FindCommandLineFlag(name.substr(2));
    if (flag != nullptr && flag->IsOfType<bool>())
      value = "false";
    else
      flag = nullptr;
  }
  if (flag == nullptr || flag->IsRetired())
    return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
  if (!value && flag->IsOfType<bool>()) value = "true";
  if (!value) {
    if (i + 1 >= argc)
      return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
    value = argv[++i];
  }
  std::string error;
  if (!flag->ParseFrom(*value, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid value '", *value, "' for --", flag->Name(), ": ", error));
  }
  cl.given.insert(std::string(flag->Name()));
  return absl::OkStatus();
}

absl::StatusOr<CommandLine> ParseArgs(int argc, char** argv) {
  CommandLine cl;
  if (argc > 0) cl.positional.push_back(argv[0]);
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      cl.positional.insert(cl.positional.end(), argv + i + 1, argv + argc);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      cl.positional.push_back(argv[i]);
      continue;
    }
    if (absl::Status s = ParseFlagArg(arg, argc, argv, i, cl); !s.ok()) return s;
  }
  return cl;
}

}  // namespace

absl::Status ApplyEnvironmentToFlags(
    std::string_view prefix, const absl::flat_hash_set<std::string>& given_on_command_line) {
  for (absl::CommandLineFlag* flag : OwnFlagsSorted()) {
    if (given_on_command_line.contains(flag->Name())) continue;
    const std::string var = absl::StrCat(ToAbsl(prefix), absl::AsciiStrToUpper(flag->Name()));
    const char* value = std::getenv(var.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid value '", value,
                                                     "' in environment variable ", var, " (flag --",
                                                     flag->Name(), "): ", error));
    }
  }
  return absl::OkStatus();
}

std::vector<char*> ParseCommandLineOrDie(int argc, char** argv, std::string_view usage) {
  // Debian's Abseil is built with Mutex deadlock detection on, which records every lock
  // acquisition in a global graph; Lagom's locks are leaf locks held briefly.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const std::string_view program = ProgramName(argc > 0 ? argv[0] : nullptr);
  absl::StatusOr<CommandLine> cl = ParseArgs(argc, argv);
  absl::Status status = cl.status();
  if (status.ok() && cl->help) {
    PrintHelp(usage);
    std::exit(0);
  }
  if (status.ok()) status = ApplyEnvironmentToFlags("LAGOM_", cl->given);
  if (!status.ok()) {
    std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(program.size()), program.data(),
                 static_cast<int>(status.message().size()), status.message().data());
    std::exit(2);
  }
  return std::move(cl->positional);
}

void DieWithConfigError(std::string_view service, const absl::Status& status) {
  // libpq's messages span lines ("...\n\tIs the server running..."): an operator gets one.
  std::vector<absl::string_view> words =
      absl::StrSplit(status.message(), absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
  const std::string line = absl::StrCat("lagom-", absl::StripPrefix(ToAbsl(service), "lagom-"),
                                        ": ", absl::StrJoin(words, " "), "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::exit(1);
}

}  // namespace lagom
