#include "tools/loadgen/stats.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace lagom::loadgen {
namespace {

double Millis(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

// Labels and status names are ours ([A-Za-z0-9_ -]), but escape anyway so the line stays JSON.
std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

int64_t PercentileOfSorted(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double n = static_cast<double>(sorted.size());
  // p * n first: (99 * 100) / 100 is exact where 0.99 * 100 is not. The epsilon absorbs the
  // rounding of non-integral p (99.9 * 1000).
  auto rank = static_cast<int64_t>(std::ceil(p * n / 100.0 - 1e-9));
  rank = std::clamp<int64_t>(rank, 1, static_cast<int64_t>(sorted.size()));
  return sorted[static_cast<size_t>(rank - 1)];
}

double CallsPerSecond(int64_t ok_calls, absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(ok_calls) / seconds : 0;
}

Summary Summarize(std::string label, Samples& samples) {
  std::vector<int64_t>& ns = samples.ok_latencies_ns;
  std::sort(ns.begin(), ns.end());
  Summary s;
  s.label = std::move(label);
  s.ok = static_cast<int64_t>(ns.size());
  for (const auto& [code, count] : samples.errors) s.errors += count;
  s.calls = s.ok + s.errors;
  s.elapsed = samples.elapsed;
  s.rps = CallsPerSecond(s.ok, samples.elapsed);
  s.p50 = absl::Nanoseconds(PercentileOfSorted(ns, 50));
  s.p90 = absl::Nanoseconds(PercentileOfSorted(ns, 90));
  s.p99 = absl::Nanoseconds(PercentileOfSorted(ns, 99));
  s.max = absl::Nanoseconds(ns.empty() ? 0 : ns.back());
  s.errors_by_code = samples.errors;
  return s;
}

void Merge(Samples& into, Samples&& more) {
  into.ok_latencies_ns.insert(into.ok_latencies_ns.end(), more.ok_latencies_ns.begin(),
                              more.ok_latencies_ns.end());
  for (const auto& [code, count] : more.errors) into.errors[code] += count;
  into.elapsed += more.elapsed;
}

std::string FormatTable(const std::vector<Summary>& summaries) {
  std::string out = absl::StrFormat("%-10s %10s %8s %10s %9s %9s %9s %9s\n", "run", "calls",
                                    "errors", "rps", "p50 ms", "p90 ms", "p99 ms", "max ms");
  for (const Summary& s : summaries) {
    absl::StrAppendFormat(&out, "%-10s %10d %8d %10.0f %9.3f %9.3f %9.3f %9.3f\n", s.label, s.calls,
                          s.errors, s.rps, Millis(s.p50), Millis(s.p90), Millis(s.p99),
                          Millis(s.max));
  }
  for (const Summary& s : summaries) {
    for (const auto& [code, count] : s.errors_by_code) {
      absl::StrAppendFormat(&out, "%-10s error %s: %d\n", s.label, code, count);
    }
  }
  return out;
}

std::string FormatJson(const std::vector<Summary>& summaries,
                       const std::map<std::string, std::string>& extra) {
  std::vector<std::string> runs;
  for (const Summary& s : summaries) {
    std::vector<std::string> errors;
    for (const auto& [code, count] : s.errors_by_code) {
      errors.push_back(absl::StrCat(JsonString(code), ":", count));
    }
    runs.push_back(absl::StrFormat(
        "{\"label\":%s,\"calls\":%d,\"ok\":%d,\"errors\":%d,\"elapsed_s\":%.3f,\"rps\":%.1f,"
        "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
        "\"errors_by_code\":{%s}}",
        JsonString(s.label), s.calls, s.ok, s.errors, absl::ToDoubleSeconds(s.elapsed), s.rps,
        Millis(s.p50), Millis(s.p90), Millis(s.p99), Millis(s.max), absl::StrJoin(errors, ",")));
  }
  std::string out = absl::StrCat("{\"runs\":[", absl::StrJoin(runs, ","), "]");
  for (const auto& [key, value] : extra) absl::StrAppend(&out, ",", JsonString(key), ":", value);
  return out + "}";
}

}  // namespace lagom::loadgen
