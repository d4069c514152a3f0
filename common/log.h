// Structured logs: one JSON object per line on stderr,
// {"ts":"2024-05-01T12:00:00.123Z","level":"info","service":"session","msg":"...",...fields}.
#ifndef LAGOM_COMMON_LOG_H_
#define LAGOM_COMMON_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "absl/time/time.h"

namespace lagom {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

using LogFields = std::initializer_list<std::pair<std::string_view, std::string>>;

// Names the service in every later line. Call once from main before logging.
void InitLogging(std::string_view service_name);

// Thread-safe; a line is written with one call so lines never interleave. Callers decide
// whether debug lines are wanted (e.g. ServerOptions::access_log).
void Log(LogLevel level, std::string_view msg, LogFields fields = {});
inline void LogInfo(std::string_view msg, LogFields fields = {}) {
  Log(LogLevel::kInfo, msg, fields);
}
inline void LogWarn(std::string_view msg, LogFields fields = {}) {
  Log(LogLevel::kWarn, msg, fields);
}
inline void LogError(std::string_view msg, LogFields fields = {}) {
  Log(LogLevel::kError, msg, fields);
}

// Exposed for tests: the line Log would write (with trailing '\n').
std::string FormatLogLine(absl::Time ts, LogLevel level, std::string_view service,
                          std::string_view msg, LogFields fields);
// JSON string literal for `s`, quotes included.
std::string JsonQuote(std::string_view s);

}  // namespace lagom

#endif  // LAGOM_COMMON_LOG_H_
