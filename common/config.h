// Configuration from absl flags and LAGOM_* environment variables; bad startup configuration
// fails fast with one clear line.
#ifndef LAGOM_COMMON_CONFIG_H_
#define LAGOM_COMMON_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace lagom {

// For every registered flag (except absl's own) not named in `given_on_command_line`: if the
// environment has <prefix><FLAG_NAME_UPPERCASE>, parse it into the flag. A malformed value is
// INVALID_ARGUMENT naming the variable.
absl::Status ApplyEnvironmentToFlags(
    std::string_view prefix = "LAGOM_",
    const absl::flat_hash_set<std::string>& given_on_command_line = {});

// Parses --flag=value, --flag value, --bool, --nobool; then the environment for flags not
// given. --help prints `usage` and the flags and exits 0. Anything wrong prints one line
// "<program>: <what is wrong>" to stderr and exits 2. Returns argv[0] and positional args.
std::vector<char*> ParseCommandLineOrDie(int argc, char** argv, std::string_view usage);

// Prints "lagom-<service>: <message>" to stderr and exits 1 (unreachable store, port in use).
[[noreturn]] void DieWithConfigError(std::string_view service, const absl::Status& status);

}  // namespace lagom

#endif  // LAGOM_COMMON_CONFIG_H_
