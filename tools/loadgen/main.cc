// loadgen: closed-loop load against gRPC servers on this machine, reporting calls, RPS,
// latency percentiles and errors by status code (a table, or one JSON line with --json).
//
//   loadgen echo            drive an in-process raw gRPC echo server: the baseline
//   loadgen call            drive a running service: --target, --method, --request_json
//   loadgen auth-overhead   echo, SubmitAnswer without auth (with and without the key
//                           header), SubmitAnswer behind CallGuard
//
// Flags and wiring only; the driver is load.cc, the figures stats.cc.
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "tools/loadgen/auth_fixture.h"
#include "tools/loadgen/load.h"
#include "tools/loadgen/request_json.h"
#include "tools/loadgen/servers.h"
#include "tools/loadgen/stats.h"

ABSL_FLAG(int, inflight, 16, "Calls kept in flight");
ABSL_FLAG(absl::Duration, duration, absl::ZeroDuration(),
          "Measured time per run; default 10s, auth-overhead 5s per run");
ABSL_FLAG(absl::Duration, warmup, absl::Milliseconds(500),
          "Time before each measured run whose calls are not recorded");
ABSL_FLAG(int64_t, max_calls, 10'000'000, "Hard cap on calls started per run");
ABSL_FLAG(int, channels, 1, "Channels (TCP connections) the calls are spread over");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(5), "Deadline of each call");
ABSL_FLAG(int64_t, response_bytes, 0,
          "echo: reply with this many bytes instead of the request (compare a large response)");
ABSL_FLAG(bool, json, false, "Print one JSON line instead of the table");
ABSL_FLAG(std::string, target, "", "call: HOST:PORT on this machine");
ABSL_FLAG(std::string, method, "", "call: /pkg.Service/Method");
ABSL_FLAG(std::string, request_type, "",
          "call: request message, e.g. lagom.session.v1.SubmitAnswerRequest (default: the "
          "method's)");
ABSL_FLAG(std::string, request_json, "{}", "call: the request in proto3 JSON");
ABSL_FLAG(std::string, api_key, "", "call: sent as 'authorization: Bearer <key>'");
ABSL_FLAG(int, rounds, 1,
          "auth-overhead: rounds of the four runs; alternating spreads the machine's noise "
          "over all of them");
ABSL_FLAG(int, executor_threads, 8,
          "auth-overhead: handler threads of the in-process Lagom servers (services' default)");

namespace lagom::loadgen {
namespace {

[[noreturn]] void Die(const absl::Status& status) {
  std::cerr << "loadgen: " << status.message() << "\n";
  std::exit(status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1);
}

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) Die(value.status());
  return *std::move(value);
}

void CheckOrDie(const absl::Status& status) {
  if (!status.ok()) Die(status);
}

LoadOptions OptionsFromFlags(absl::Duration default_duration = absl::Seconds(10)) {
  LoadOptions options;
  options.inflight = absl::GetFlag(FLAGS_inflight);
  options.duration = absl::GetFlag(FLAGS_duration);
  if (options.duration == absl::ZeroDuration()) options.duration = default_duration;
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.max_calls = absl::GetFlag(FLAGS_max_calls);
  options.call_timeout = absl::GetFlag(FLAGS_timeout);
  if (options.inflight < 1 || options.inflight > 10000) {
    Die(absl::InvalidArgumentError("--inflight must be 1..10000"));
  }
  if (options.duration <= absl::ZeroDuration() || options.warmup < absl::ZeroDuration() ||
      options.call_timeout <= absl::ZeroDuration()) {
    Die(absl::InvalidArgumentError("--duration and --timeout must be positive, --warmup >= 0"));
  }
  if (options.max_calls < 1) Die(absl::InvalidArgumentError("--max_calls must be positive"));
  const int channels = absl::GetFlag(FLAGS_channels);
  if (channels < 1 || channels > options.inflight) {
    Die(absl::InvalidArgumentError("--channels must be 1..--inflight"));
  }
  return options;
}

// Connects, checks one call succeeds, then measures.
Samples Measure(const std::string& target, const LoadOptions& options) {
  const auto channels = MakeChannels(target, absl::GetFlag(FLAGS_channels));
  CheckOrDie(WaitConnected(channels, target, absl::Seconds(5)));
  CheckOrDie(CallOnce(*channels.front(), options));
  return RunLoad(channels, options);
}

void Print(const std::vector<Summary>& summaries, const std::string& note,
           const std::map<std::string, std::string>& extra = {}) {
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << FormatJson(summaries, extra) << std::endl;
  } else {
    std::cout << FormatTable(summaries) << note << std::flush;
  }
}

std::string RunDescription(const LoadOptions& options) {
  return absl::StrFormat("inflight=%d channels=%d duration=%s warmup=%s", options.inflight,
                         absl::GetFlag(FLAGS_channels), absl::FormatDuration(options.duration),
                         absl::FormatDuration(options.warmup));
}

int Echo() {
  LoadOptions options = OptionsFromFlags();
  options.method = kEchoMethod;
  options.request = SampleSubmitAnswer().SerializeAsString();
  const int64_t response_bytes = absl::GetFlag(FLAGS_response_bytes);
  std::unique_ptr<EchoServer> echo =
      OrDie(EchoServer::Start(static_cast<size_t>(std::max<int64_t>(response_bytes, 0))));
  Samples samples = Measure(echo->address(), options);
  Print({Summarize("echo", samples)},
        absl::StrCat(RunDescription(options), " response_bytes=", response_bytes, "\n"));
  return 0;
}

int Call() {
  LoadOptions options = OptionsFromFlags();
  const std::string target = absl::GetFlag(FLAGS_target);
  CheckOrDie(CheckLoopbackTarget(target));
  options.method = absl::GetFlag(FLAGS_method);
  options.request = OrDie(EncodeRequest(options.method, absl::GetFlag(FLAGS_request_type),
                                        absl::GetFlag(FLAGS_request_json)));
  if (const std::string key = absl::GetFlag(FLAGS_api_key); !key.empty()) {
    options.metadata.emplace_back("authorization", absl::StrCat("Bearer ", key));
  }
  Samples samples = Measure(target, options);
  Print({Summarize(options.method.substr(options.method.rfind('/') + 1), samples)},
        absl::StrCat(target, options.method, " ", RunDescription(options), "\n"));
  return 0;
}

int AuthOverhead() {
  const LoadOptions base = OptionsFromFlags(absl::Seconds(5));
  const int rounds = absl::GetFlag(FLAGS_rounds);
  const int threads = absl::GetFlag(FLAGS_executor_threads);
  if (rounds < 1 || rounds > 100) Die(absl::InvalidArgumentError("--rounds must be 1..100"));
  if (threads < 1 || threads > 256) {
    Die(absl::InvalidArgumentError("--executor_threads must be 1..256"));
  }
  const std::string request = SampleSubmitAnswer().SerializeAsString();

  AuthStack auth;
  AdmitEverything admit_all;
  std::unique_ptr<EchoServer> echo = OrDie(EchoServer::Start());
  std::unique_ptr<LagomServer> no_auth =
      OrDie(LagomServer::Start("loadgen-noauth", admit_all, threads));
  std::unique_ptr<LagomServer> with_auth =
      OrDie(LagomServer::Start("loadgen-auth", auth.guard(), threads));
  // lagom::Server blocks SIGINT for its own shutdown handling; loadgen wants Ctrl-C to stop it.
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  sigaddset(&interrupt, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &interrupt, nullptr);

  struct Run {
    std::string label;
    std::string target;
    LoadOptions options;
    Samples samples;
  };
  const std::pair<std::string, std::string> credential = {"authorization",
                                                          absl::StrCat("Bearer ", auth.api_key())};
  // noauth+key sends the key to the server that ignores it: the difference to noauth is what
  // carrying the header costs, the difference to auth what checking it costs.
  std::vector<Run> runs = {{"echo", echo->address(), base, {}},
                           {"noauth", no_auth->address(), base, {}},
                           {"noauth+key", no_auth->address(), base, {}},
                           {"auth", with_auth->address(), base, {}}};
  runs[0].options.method = kEchoMethod;
  for (size_t i = 1; i < runs.size(); ++i) runs[i].options.method = kSubmitAnswerMethod;
  for (Run& run : runs) run.options.request = request;
  runs[2].options.metadata.push_back(credential);
  runs[3].options.metadata.push_back(credential);

  // auth/noauth RPS of each round: a paired figure, less moved by the machine's slow swings
  // in load than the totals.
  std::vector<double> round_ratios;
  for (int round = 0; round < rounds; ++round) {
    // Every other round in reverse, so a drift in the machine's load favours no run.
    std::vector<double> rps(runs.size());
    for (size_t n = 0; n < runs.size(); ++n) {
      const size_t i = round % 2 == 0 ? n : runs.size() - 1 - n;
      Samples samples = Measure(runs[i].target, runs[i].options);
      rps[i] =
          CallsPerSecond(static_cast<int64_t>(samples.ok_latencies_ns.size()), samples.elapsed);
      Merge(runs[i].samples, std::move(samples));
    }
    if (rps[1] > 0) round_ratios.push_back(rps[3] / rps[1]);
  }
  std::sort(round_ratios.begin(), round_ratios.end());
  const double median_ratio =
      round_ratios.empty() ? 0 : round_ratios[(round_ratios.size() - 1) / 2];
  std::vector<Summary> summaries;
  for (Run& run : runs) summaries.push_back(Summarize(run.label, run.samples));
  auto ratio = [&](size_t a, size_t b) {
    return summaries[b].rps > 0 ? summaries[a].rps / summaries[b].rps : 0;
  };
  const double auth_ratio = ratio(3, 1);
  const std::string note = absl::StrFormat(
      "%s rounds=%d executor_threads=%d\n"
      "auth/noauth RPS = %.3f (authentication and authorisation cost %.1f %% of RPS; "
      "target <= 10 %%)\n"
      "of which carrying the key (noauth+key/noauth) %.3f, checking it (auth/noauth+key) "
      "%.3f\n"
      "auth/noauth RPS per round: median %.3f, range %.3f..%.3f\n"
      "noauth/echo RPS = %.3f\n",
      RunDescription(base), rounds, threads, auth_ratio, 100 * (1 - auth_ratio), ratio(2, 1),
      ratio(3, 2), median_ratio, round_ratios.empty() ? 0 : round_ratios.front(),
      round_ratios.empty() ? 0 : round_ratios.back(), ratio(1, 0));
  Print(summaries, note,
        {{"auth_over_noauth_rps", absl::StrFormat("%.4f", auth_ratio)},
         {"key_header_over_noauth_rps", absl::StrFormat("%.4f", ratio(2, 1))},
         {"auth_over_key_header_rps", absl::StrFormat("%.4f", ratio(3, 2))},
         {"auth_over_noauth_rps_round_median", absl::StrFormat("%.4f", median_ratio)},
         {"noauth_over_echo_rps", absl::StrFormat("%.4f", ratio(1, 0))},
         {"inflight", absl::StrCat(base.inflight)},
         {"rounds", absl::StrCat(rounds)}});
  return 0;
}

}  // namespace
}  // namespace lagom::loadgen

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "closed-loop gRPC load on this machine.\n"
      "  loadgen echo [--inflight=16] [--duration=10s] [--response_bytes=N]\n"
      "  loadgen call --target=127.0.0.1:PORT --method=/pkg.Service/Method "
      "--request_json='{...}' [--request_type=pkg.Request] [--api_key=lgm_...]\n"
      "  loadgen auth-overhead [--inflight=16] [--duration=5s] [--rounds=1]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  lagom::InitLogging("loadgen");
  const std::string mode = args.size() == 2 ? args[1] : "";
  if (mode == "echo") return lagom::loadgen::Echo();
  if (mode == "call") return lagom::loadgen::Call();
  if (mode == "auth-overhead") return lagom::loadgen::AuthOverhead();
  std::cerr << "loadgen: give one mode: echo, call or auth-overhead (see --help)\n";
  return 2;
}
