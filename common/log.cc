#include "common/log.h"

#include <cstdio>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/strings.h"

namespace lagom {
namespace {

// The process-wide logger: the service name and the lock that keeps lines whole.
struct Logger {
  absl::Mutex mu;
  std::string service ABSL_GUARDED_BY(mu) = "lagom";
};

Logger& TheLogger() {
  static Logger* const kLogger = new Logger;
  return *kLogger;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        // Other control characters must be \u escapes; bytes >= 0x80 pass through as UTF-8.
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string FormatLogLine(absl::Time ts, LogLevel level, std::string_view service,
                          std::string_view msg, LogFields fields) {
  std::string line = absl::StrCat(
      "{\"ts\":", JsonQuote(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", ts, absl::UTCTimeZone())),
      ",\"level\":", JsonQuote(LevelName(level)), ",\"service\":", JsonQuote(service),
      ",\"msg\":", JsonQuote(msg));
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&line, ",", JsonQuote(key), ":", JsonQuote(value));
  }
  line += "}\n";
  return line;
}

void InitLogging(std::string_view service_name) {
  Logger& logger = TheLogger();
  absl::MutexLock lock(&logger.mu);
  logger.service = std::string(service_name);
}

void Log(LogLevel level, std::string_view msg, LogFields fields) {
  const absl::Time now = absl::Now();
  Logger& logger = TheLogger();
  absl::MutexLock lock(&logger.mu);
  const std::string line = FormatLogLine(now, level, logger.service, msg, fields);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace lagom
