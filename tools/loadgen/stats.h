// What loadgen reports about a run: calls, throughput, latency percentiles and errors by status
// code, as a human table and as one JSON line. Pure arithmetic, so it is unit-tested
// (stats_test.cc) and the printed figures can be trusted.
#ifndef LAGOM_TOOLS_LOADGEN_STATS_H_
#define LAGOM_TOOLS_LOADGEN_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace lagom::loadgen {

// What a run recorded: the latency of every successful call and the number of failed calls by
// gRPC status code name ("UNAVAILABLE"), over `elapsed`, the measured window.
struct Samples {
  std::vector<int64_t> ok_latencies_ns;
  std::map<std::string, int64_t> errors;
  absl::Duration elapsed = absl::ZeroDuration();
};

struct Summary {
  std::string label;
  int64_t calls = 0;  // ok + errors
  int64_t ok = 0;
  int64_t errors = 0;
  double rps = 0;  // successful calls per second of the measured window
  absl::Duration p50 = absl::ZeroDuration();
  absl::Duration p90 = absl::ZeroDuration();
  absl::Duration p99 = absl::ZeroDuration();
  absl::Duration max = absl::ZeroDuration();
  absl::Duration elapsed = absl::ZeroDuration();
  std::map<std::string, int64_t> errors_by_code;
};

// Nearest-rank percentile (0 < p <= 100) of ascending `sorted`: the smallest sample such that
// at least p % of the samples are <= it. 0 for no samples.
int64_t PercentileOfSorted(const std::vector<int64_t>& sorted, double p);

// Successful calls per second; 0 when `elapsed` is not positive.
double CallsPerSecond(int64_t ok_calls, absl::Duration elapsed);

// Sorts the samples in place and summarises them.
Summary Summarize(std::string label, Samples& samples);

// Appends `more` to `into` (same configuration measured again): samples and errors are merged,
// windows added, so the merged RPS is total calls over total time.
void Merge(Samples& into, Samples&& more);

// A fixed-width table, one row per summary, then errors by code if any.
std::string FormatTable(const std::vector<Summary>& summaries);

// One JSON object on one line: {"runs":[{...},...], <extra fields>}. `extra` holds already
// formatted JSON values ("ratio" -> "0.93").
std::string FormatJson(const std::vector<Summary>& summaries,
                       const std::map<std::string, std::string>& extra = {});

}  // namespace lagom::loadgen

#endif  // LAGOM_TOOLS_LOADGEN_STATS_H_
