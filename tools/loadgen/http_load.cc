#include "tools/loadgen/http_load.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/http_client.h"

namespace lagom::loadgen {

absl::Status HttpCallOnce(const HttpCall& call, absl::Duration timeout) {
  HttpClient client(call.base, timeout);
  absl::StatusOr<HttpResponse> response =
      client.Send(call.method, call.target, call.body, call.headers);
  if (!response.ok()) return response.status();
  if (response->status / 100 != 2) {
    return absl::FailedPreconditionError(absl::StrCat(call.method, " ", call.target, ": HTTP ",
                                                      response->status, " ", response->body));
  }
  return absl::OkStatus();
}

Samples RunHttpLoad(const HttpCall& call, const LoadOptions& options) {
  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + options.warmup;
  const absl::Time stop_at = measure_from + options.duration;
  std::atomic<int64_t> started{0};
  absl::Mutex mu;
  Samples samples;
  absl::Time last_completion = measure_from;
  std::vector<std::thread> threads;
  threads.reserve(options.inflight);
  for (int slot = 0; slot < options.inflight; ++slot) {
    threads.emplace_back([&] {
      HttpClient client(call.base, options.call_timeout);
      Samples mine;
      absl::Time mine_last = measure_from;
      while (true) {
        const absl::Time begin = absl::Now();
        if (begin >= stop_at || started.fetch_add(1) >= options.max_calls) break;
        absl::StatusOr<HttpResponse> response =
            client.Send(call.method, call.target, call.body, call.headers);
        const absl::Time end = absl::Now();
        if (begin < measure_from) continue;  // warm-up: connection set-up, first allocations
        mine_last = end;
        if (response.ok() && response->status / 100 == 2) {
          mine.ok_latencies_ns.push_back(absl::ToInt64Nanoseconds(end - begin));
        } else {
          ++mine.errors[response.ok() ? absl::StrCat("HTTP ", response->status) : "UNAVAILABLE"];
        }
      }
      absl::MutexLock lock(&mu);
      Merge(samples, std::move(mine));
      last_completion = std::max(last_completion, mine_last);
    });
  }
  for (std::thread& thread : threads) thread.join();
  samples.elapsed = last_completion - measure_from;
  return samples;
}

}  // namespace lagom::loadgen
