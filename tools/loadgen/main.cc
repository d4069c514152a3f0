// loadgen: closed-loop load against gRPC servers on this machine, reporting calls, RPS,
// latency percentiles and errors by status code (a table, or one JSON line with --json).
//
//   loadgen echo            drive an in-process raw gRPC echo server: the baseline
//   loadgen call            drive a running service: --target, --method, --request_json
//   loadgen auth-overhead   echo, SubmitAnswer without auth (with and without the key
//                           header), SubmitAnswer behind CallGuard
//   loadgen submit          invited respondents' SubmitAnswer on a running session service,
//                           alternating with the same calls to the in-process echo server
//   loadgen watch           WatchSession streams on one session while respondents answer at
//                           a fixed rate: how long an answer takes to reach every watcher
//   loadgen score           ScoreSession of a closed 1 000 × 90 session end to end, beside the
//                           same per-area aggregation as SQL in PostgreSQL
//   loadgen gateway         GetModelVersion through the REST/JSON gateway and straight over
//                           gRPC, alternating, same concurrency: the gateway's overhead
//
// submit, watch and score set up their own session (model, participants, invitations) on a running
// stack (tools/stack up) with a tenant admin's API key.
//
// Flags and wiring only; the drivers are load.cc and watch_load.cc, the set-up
// session_fixture.cc, the figures stats.cc.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
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
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "tools/loadgen/auth_fixture.h"
#include "tools/loadgen/http_load.h"
#include "tools/loadgen/load.h"
#include "tools/loadgen/request_json.h"
#include "tools/loadgen/score_load.h"
#include "tools/loadgen/servers.h"
#include "tools/loadgen/session_fixture.h"
#include "tools/loadgen/stats.h"
#include "tools/loadgen/watch_load.h"

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
ABSL_FLAG(double, max_error_rate, 0,
          "Failed calls a run may have, as a fraction of its calls, before loadgen exits 1: the "
          "figures of a run whose calls failed are not the figures of the calls it measures");
ABSL_FLAG(std::string, target, "",
          "call: HOST:PORT on this machine; submit, watch: the session service (default "
          "$LAGOM_SESSION_ADDR)");
ABSL_FLAG(std::string, method, "", "call: /pkg.Service/Method");
ABSL_FLAG(std::string, request_type, "",
          "call: request message, e.g. lagom.session.v1.SubmitAnswerRequest (default: the "
          "method's)");
ABSL_FLAG(std::string, request_json, "{}", "call: the request in proto3 JSON");
ABSL_FLAG(std::string, api_key, "",
          "call: sent as 'authorization: Bearer <key>'; submit, watch: a tenant admin's key "
          "that sets up the session (default $LAGOM_API_KEY)");
ABSL_FLAG(int, rounds, 1,
          "auth-overhead, submit: rounds of the runs; alternating spreads the machine's noise "
          "over all of them");
ABSL_FLAG(std::string, questionnaire_target, "",
          "submit, watch: the questionnaire service, HOST:PORT (default "
          "$LAGOM_QUESTIONNAIRE_ADDR)");
ABSL_FLAG(std::string, model_version, lagom::loadgen::kBuiltInModel,
          "submit, watch: the sessions' model version");
ABSL_FLAG(int, participants, 50, "submit, watch: PROVIDER participants invited to the session");
ABSL_FLAG(int, watchers, 500, "watch: WatchSession streams on the session");
ABSL_FLAG(double, rate, 200, "watch: SubmitAnswer calls started per second, in total");
ABSL_FLAG(absl::Duration, drain, absl::Seconds(3),
          "watch: after the last answer, how long watchers may take to receive it");
ABSL_FLAG(int, respondents, 1000, "score: participants answering every item");
ABSL_FLAG(int, repetitions, 20, "score: timed ScoreSession calls and SQL runs");
ABSL_FLAG(std::string, scoring_target, "",
          "score: the scoring service, HOST:PORT (default LAGOM_SCORING_ADDR)");
ABSL_FLAG(std::string, postgres_url, "",
          "score: PostgreSQL for the SQL baseline (default LAGOM_POSTGRES_URL)");
ABSL_FLAG(std::string, journal_postgres_url, "",
          "submit: PostgreSQL for the journal baseline, as a user that may create a schema "
          "(default LAGOM_POSTGRES_MIGRATIONS_URL; neither: no journal run)");
ABSL_FLAG(std::string, gateway_target, "",
          "gateway: lagom-gateway HOST:PORT (default $LAGOM_GATEWAY_ADDR); --target is the "
          "questionnaire service (default $LAGOM_QUESTIONNAIRE_ADDR)");
ABSL_FLAG(bool, skip_content, true,
          "gateway: GetModelVersion without the model's content (a small response); false: the "
          "whole built-in model (93 KB of protobuf, 223 KB of JSON)");
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

// 0, or 1 after saying which run had more failed calls than --max_error_rate allows.
int Verdict(const std::vector<Summary>& summaries) {
  const double allowed = absl::GetFlag(FLAGS_max_error_rate);
  int verdict = 0;
  for (const Summary& s : summaries) {
    if (s.calls == 0 || static_cast<double>(s.errors) <= allowed * static_cast<double>(s.calls)) {
      continue;
    }
    std::cerr << absl::StrFormat(
        "loadgen: %s: %d of %d calls failed (%.2f %%), more than --max_error_rate=%g allows: "
        "its figures are not those of the calls it was to measure\n",
        s.label, s.errors, s.calls, 100.0 * static_cast<double>(s.errors) / s.calls, allowed);
    verdict = 1;
  }
  return verdict;
}

// Median of `values` (sorted in place): the middle value, or the mean of the two middle ones;
// 0 if empty.
template <typename T>
double Median(std::vector<T>& values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1
             ? static_cast<double>(values[n / 2])
             : (static_cast<double>(values[n / 2 - 1]) + static_cast<double>(values[n / 2])) / 2;
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
  const std::vector<Summary> summaries = {Summarize("echo", samples)};
  Print(summaries, absl::StrCat(RunDescription(options), " response_bytes=", response_bytes, "\n"));
  return Verdict(summaries);
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
  const std::vector<Summary> summaries = {
      Summarize(options.method.substr(options.method.rfind('/') + 1), samples)};
  Print(summaries, absl::StrCat(target, options.method, " ", RunDescription(options), "\n"));
  return Verdict(summaries);
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
  const double median_ratio = Median(round_ratios);  // sorts them
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
  return Verdict(summaries);
}

// Where submit and watch find the stack, and the key they set up their session with.
struct Stack {
  std::string session;
  std::string questionnaire;
  std::string api_key;
};

std::string FlagOrEnv(const std::string& flag_value, const char* variable) {
  if (!flag_value.empty()) return flag_value;
  const char* value = std::getenv(variable);
  return value == nullptr ? "" : value;
}

Stack StackFromFlags() {
  Stack stack;
  stack.session = FlagOrEnv(absl::GetFlag(FLAGS_target), "LAGOM_SESSION_ADDR");
  stack.questionnaire =
      FlagOrEnv(absl::GetFlag(FLAGS_questionnaire_target), "LAGOM_QUESTIONNAIRE_ADDR");
  stack.api_key = FlagOrEnv(absl::GetFlag(FLAGS_api_key), "LAGOM_API_KEY");
  if (stack.session.empty() || stack.questionnaire.empty()) {
    Die(absl::InvalidArgumentError(
        "give the session and questionnaire services' addresses with --target and "
        "--questionnaire_target, or LAGOM_SESSION_ADDR and LAGOM_QUESTIONNAIRE_ADDR "
        "(tools/stack up writes them to .lagom/stack.env)"));
  }
  CheckOrDie(CheckLoopbackTarget(stack.session));
  CheckOrDie(CheckLoopbackTarget(stack.questionnaire));
  if (stack.api_key.empty()) {
    Die(absl::InvalidArgumentError(
        "give a tenant admin's API key with --api_key or LAGOM_API_KEY (tools/demo keeps one "
        "in .lagom/secrets/demo-admin.key)"));
  }
  return stack;
}

int ParticipantsFromFlags() {
  const int participants = absl::GetFlag(FLAGS_participants);
  if (participants < 1 || participants > 100000) {
    Die(absl::InvalidArgumentError("--participants must be 1..100000"));
  }
  return participants;
}

std::shared_ptr<grpc::Channel> ConnectOrDie(const std::string& target) {
  auto channels = MakeChannels(target, 1);
  CheckOrDie(WaitConnected(channels, target, absl::Seconds(5)));
  return channels.front();
}

std::vector<AnswerableItem> ItemsOrDie(const Stack& stack) {
  return OrDie(LoadAnswerableItems(*ConnectOrDie(stack.questionnaire), stack.api_key,
                                   absl::GetFlag(FLAGS_model_version),
                                   absl::GetFlag(FLAGS_timeout)));
}

// A fresh OPEN session with `participants` invited PROVIDER participants.
LoadSession SessionOrDie(const Stack& stack, const std::string& scenario, int participants,
                         std::vector<AnswerableItem> items) {
  const absl::Time start = absl::Now();
  const std::string title =
      absl::StrCat("loadgen ", scenario, " ",
                   absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", start, absl::UTCTimeZone()));
  LoadSession session = OrDie(PrepareSession(
      *ConnectOrDie(stack.session), stack.api_key, absl::GetFlag(FLAGS_model_version), title,
      participants, std::move(items), absl::GetFlag(FLAGS_timeout)));
  std::cerr << absl::StreamFormat(
      "loadgen: %s OPEN with %d invited PROVIDER participants, %d items to answer (set-up "
      "%s)\n",
      session.name, session.respondents.size(), session.items.size(),
      absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Milliseconds(1))));
  return session;
}

int Submit() {
  const LoadOptions base = OptionsFromFlags();
  const int rounds = absl::GetFlag(FLAGS_rounds);
  if (rounds < 1 || rounds > 100) Die(absl::InvalidArgumentError("--rounds must be 1..100"));
  const int participants = ParticipantsFromFlags();
  const Stack stack = StackFromFlags();
  const LoadSession session = SessionOrDie(stack, "submit", participants, ItemsOrDie(stack));

  // One maker for every run, so no request_id repeats across runs and rounds.
  AnswerCallMaker answers(session, base.inflight);
  std::unique_ptr<EchoServer> echo = OrDie(EchoServer::Start());
  const std::string journal_url =
      FlagOrEnv(absl::GetFlag(FLAGS_journal_postgres_url), "LAGOM_POSTGRES_MIGRATIONS_URL");
  std::unique_ptr<JournalServer> journal;
  if (!journal_url.empty()) {
    // A schema of this run's own: runs at once do not share (or drop) each other's journal.
    journal = OrDie(JournalServer::Start(journal_url, absl::StrCat("loadgen_journal_", getpid())));
  }
  struct Run {
    std::string label;
    std::string target;
    LoadOptions options;
    Samples samples;
  };
  // echo and journal get the very same calls (request bytes, invite token), so the client's
  // work is the same in every run and the difference is the server's.
  std::vector<Run> runs = {{"echo", echo->address(), base, {}},
                           {"submit", stack.session, base, {}}};
  runs[0].options.method = kEchoMethod;
  runs[1].options.method = kSubmitAnswerMethod;
  if (journal != nullptr) {
    runs.push_back({"journal", journal->address(), base, {}});
    runs[2].options.method = kJournalMethod;
  }
  for (Run& run : runs) {
    run.options.make_call = [&answers](int slot, CallSpec& call) { answers(slot, call); };
  }

  std::vector<double> round_ratios;
  for (int round = 0; round < rounds; ++round) {
    std::vector<double> rps(runs.size());
    for (size_t n = 0; n < runs.size(); ++n) {
      const size_t i = round % 2 == 0 ? n : runs.size() - 1 - n;
      Samples samples = Measure(runs[i].target, runs[i].options);
      rps[i] =
          CallsPerSecond(static_cast<int64_t>(samples.ok_latencies_ns.size()), samples.elapsed);
      Merge(runs[i].samples, std::move(samples));
    }
    if (rps[0] > 0) round_ratios.push_back(rps[1] / rps[0]);
  }
  const double median_ratio = Median(round_ratios);
  std::vector<Summary> summaries;
  for (Run& run : runs) summaries.push_back(Summarize(run.label, run.samples));
  const double ratio = summaries[0].rps > 0 ? summaries[1].rps / summaries[0].rps : 0;
  std::string note = absl::StrFormat(
      "%s rounds=%d participants=%d items=%d\n"
      "submit: SubmitAnswer with each participant's invite token on %s (%s);\n"
      "echo: the same calls to the in-process raw gRPC echo server (%s)\n"
      "submit/echo RPS = %.3f (per round: median %.3f, range %.3f..%.3f)\n",
      RunDescription(base), rounds, session.respondents.size(), session.items.size(), stack.session,
      session.name, echo->address(), ratio, median_ratio,
      round_ratios.empty() ? 0 : round_ratios.front(),
      round_ratios.empty() ? 0 : round_ratios.back());
  std::map<std::string, std::string> figures = {
      {"submit_over_echo_rps", absl::StrFormat("%.4f", ratio)},
      {"submit_over_echo_rps_round_median", absl::StrFormat("%.4f", median_ratio)}};
  if (journal != nullptr) {
    const double journal_ratio = summaries[0].rps > 0 ? summaries[2].rps / summaries[0].rps : 0;
    const double submit_over_journal =
        summaries[2].rps > 0 ? summaries[1].rps / summaries[2].rps : 0;
    const int64_t rows = OrDie(journal->CountRows());
    const int64_t answered = summaries[2].ok;
    if (rows < answered) {
      Die(absl::DataLossError(absl::StrFormat(
          "journal: %d calls answered OK but only %d rows recorded", answered, rows)));
    }
    note += absl::StrFormat(
        "journal: the same calls to an in-process raw gRPC server that records each in "
        "PostgreSQL before answering (%s; %d rows in %d transactions)\n"
        "journal/echo RPS = %.3f; submit/journal RPS = %.3f\n",
        journal->address(), rows, journal->batches(), journal_ratio, submit_over_journal);
    figures["journal_over_echo_rps"] = absl::StrFormat("%.4f", journal_ratio);
    figures["submit_over_journal_rps"] = absl::StrFormat("%.4f", submit_over_journal);
  } else {
    note += "journal: left out (no --journal_postgres_url or LAGOM_POSTGRES_MIGRATIONS_URL)\n";
  }
  if (summaries[1].errors_by_code.count("RESOURCE_EXHAUSTED") > 0) {
    note +=
        "RESOURCE_EXHAUSTED: the per-tenant rate limit (default 2000/s) refused calls; start "
        "the stack with LAGOM_RATE_LIMIT_PER_SECOND and LAGOM_RATE_LIMIT_BURST raised\n";
  }
  figures["participants"] = absl::StrCat(session.respondents.size());
  figures["items"] = absl::StrCat(session.items.size());
  figures["inflight"] = absl::StrCat(base.inflight);
  figures["rounds"] = absl::StrCat(rounds);
  Print(summaries, note, figures);
  return Verdict(summaries);
}

int Watch() {
  WatchOptions options;
  options.duration = absl::GetFlag(FLAGS_duration);
  if (options.duration == absl::ZeroDuration()) options.duration = absl::Seconds(10);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.drain = absl::GetFlag(FLAGS_drain);
  options.call_timeout = absl::GetFlag(FLAGS_timeout);
  options.watchers = absl::GetFlag(FLAGS_watchers);
  options.channels = absl::GetFlag(FLAGS_channels);
  options.rate = absl::GetFlag(FLAGS_rate);
  if (options.duration <= absl::ZeroDuration() || options.warmup < absl::ZeroDuration() ||
      options.drain < absl::ZeroDuration() || options.call_timeout <= absl::ZeroDuration()) {
    Die(absl::InvalidArgumentError(
        "--duration and --timeout must be positive, --warmup and --drain >= 0"));
  }
  if (options.watchers < 1 || options.watchers > 100000) {
    Die(absl::InvalidArgumentError("--watchers must be 1..100000"));
  }
  if (options.channels < 1 || options.channels > options.watchers) {
    Die(absl::InvalidArgumentError("--channels must be 1..--watchers"));
  }
  if (!(options.rate > 0 && options.rate <= 100000)) {
    Die(absl::InvalidArgumentError("--rate must be in (0, 100000]"));
  }
  const int participants = ParticipantsFromFlags();
  const Stack stack = StackFromFlags();
  options.target = stack.session;
  options.api_key = stack.api_key;

  std::vector<AnswerableItem> items = ItemsOrDie(stack);
  // Every answer takes a (participant, item) pair of its own (see watch_load.h).
  const int64_t answers = WatchAnswersNeeded(options);
  const auto needed = static_cast<int64_t>(
      std::ceil(static_cast<double>(answers) / static_cast<double>(items.size())));
  if (participants < needed) {
    Die(absl::InvalidArgumentError(absl::StrFormat(
        "--participants=%d is too few: --rate=%g over --warmup + --duration sends %d answers, "
        "each by another (participant, item) pair, and %s has %d items to answer: use "
        "--participants=%d or more",
        participants, options.rate, answers, absl::GetFlag(FLAGS_model_version), items.size(),
        needed)));
  }
  const LoadSession session = SessionOrDie(stack, "watch", participants, std::move(items));
  WatchResult result = OrDie(RunWatch(options, session));

  std::vector<Summary> summaries = {Summarize("submit", result.submits),
                                    Summarize("delivery", result.deliveries)};
  std::vector<int64_t> events = result.events_per_watcher;
  const double events_median = Median(events);
  const int64_t events_min = events.empty() ? 0 : events.front();
  const int64_t events_max = events.empty() ? 0 : events.back();
  std::string failures;
  for (const auto& [code, count] : result.watcher_errors) {
    absl::StrAppend(&failures, " ", code, "=", count);
  }
  const std::string note = absl::StrFormat(
      "watchers=%d (%d received their snapshot, the last after %s) channels=%d "
      "participants=%d items=%d\n"
      "rate=%g/s (achieved %.1f/s) duration=%s warmup=%s drain=%s session=%s\n"
      "submit: SubmitAnswer calls started in the measured window, open loop at the rate.\n"
      "delivery: one sample per (watcher, answer sent in the window and acknowledged): from "
      "just before\n"
      "  the SubmitAnswer was sent to that watcher receiving the first distribution of the "
      "item whose\n"
      "  PROVIDER answer_count includes the answer; rps = deliveries per second. "
      "NOT_DELIVERED: not\n"
      "  received by the end of the drain.\n"
      "ItemDistributionChanged events per watcher (whole run, %d answers sent): min %d, "
      "median %g, max %d\n"
      "answers sent while the item's previous answer was in flight: %d (0: the pairing is "
      "exact)\n"
      "watcher streams that failed:%s\n",
      options.watchers, result.watchers_connected, absl::FormatDuration(result.connect_time),
      options.channels, session.respondents.size(), session.items.size(), options.rate,
      result.achieved_rate, absl::FormatDuration(options.duration),
      absl::FormatDuration(options.warmup), absl::FormatDuration(options.drain), session.name,
      answers, events_min, events_median, events_max, result.overlapping_sends,
      failures.empty() ? " none" : failures);
  int64_t failed_streams = 0;
  for (const auto& [code, count] : result.watcher_errors) failed_streams += count;
  Print(summaries, note,
        {{"watchers", absl::StrCat(options.watchers)},
         {"watchers_connected", absl::StrCat(result.watchers_connected)},
         {"connect_s", absl::StrFormat("%.3f", absl::ToDoubleSeconds(result.connect_time))},
         {"rate", absl::StrFormat("%g", options.rate)},
         {"achieved_rate", absl::StrFormat("%.1f", result.achieved_rate)},
         {"events_per_watcher_min", absl::StrCat(events_min)},
         {"events_per_watcher_median", absl::StrCat(events_median)},
         {"events_per_watcher_max", absl::StrCat(events_max)},
         {"overlapping_sends", absl::StrCat(result.overlapping_sends)},
         {"failed_watch_streams", absl::StrCat(failed_streams)},
         {"participants", absl::StrCat(session.respondents.size())},
         {"items", absl::StrCat(session.items.size())}});
  return 0;
}

// "p50 12.3 ms, p99 14.0 ms, min 11.1 ms" of `samples`.
// `samples` in nanoseconds, ascending, as PercentileOfSorted takes them.
std::vector<int64_t> SortedNanos(const std::vector<absl::Duration>& samples) {
  std::vector<int64_t> ns;
  for (absl::Duration d : samples) ns.push_back(absl::ToInt64Nanoseconds(d));
  std::sort(ns.begin(), ns.end());
  return ns;
}

// The p50 DurationSummary prints (nearest rank).
absl::Duration P50(const std::vector<absl::Duration>& samples) {
  return absl::Nanoseconds(PercentileOfSorted(SortedNanos(samples), 50));
}

std::string DurationSummary(const std::vector<absl::Duration>& samples) {
  const std::vector<int64_t> ns = SortedNanos(samples);
  return absl::StrFormat("p50 %.1f ms, p99 %.1f ms, min %.1f ms", PercentileOfSorted(ns, 50) / 1e6,
                         PercentileOfSorted(ns, 99) / 1e6, ns.front() / 1e6);
}

int Score() {
  const Stack stack = StackFromFlags();
  ScoreOptions options;
  options.api_key = stack.api_key;
  options.respondents = absl::GetFlag(FLAGS_respondents);
  options.repetitions = absl::GetFlag(FLAGS_repetitions);
  options.postgres_url = FlagOrEnv(absl::GetFlag(FLAGS_postgres_url), "LAGOM_POSTGRES_URL");
  const std::string scoring = FlagOrEnv(absl::GetFlag(FLAGS_scoring_target), "LAGOM_SCORING_ADDR");
  if (options.respondents < 2 || options.repetitions < 1 || scoring.empty() ||
      options.postgres_url.empty()) {
    Die(absl::InvalidArgumentError(
        "score needs --respondents >= 2, --repetitions >= 1, the scoring service (--scoring_target "
        "or LAGOM_SCORING_ADDR) and PostgreSQL (--postgres_url or LAGOM_POSTGRES_URL)"));
  }
  CheckOrDie(CheckLoopbackTarget(scoring));
  auto questionnaire = MakeChannels(stack.questionnaire, 1).front();
  auto session = MakeChannels(stack.session, 1).front();
  auto scorer = MakeChannels(scoring, 1).front();
  const ScoreResult r = OrDie(RunScore(options, *questionnaire, *session, *scorer));
  std::cout << "session " << r.session << ": " << r.answers << " answers\n"
            << "ScoreSession (preview, " << r.score_session.size()
            << " calls): " << DurationSummary(r.score_session) << "\n"
            << "ScoreSession recording the scorecard (first call): "
            << (r.record_error.empty()
                    ? absl::StrFormat("%.1f ms", absl::ToDoubleMilliseconds(r.record))
                    : "failed: " + r.record_error)
            << "\n"
            << "SQL per-area aggregation (" << r.sql.size() << " runs): " << DurationSummary(r.sql)
            << "\n";
  std::cout << absl::StrFormat(
      "ScoreSession p50 / SQL p50 = %.2f; %d area scores agree with SQL within %.1e\n",
      absl::FDivDuration(P50(r.score_session), P50(r.sql)), r.area_scores, r.max_difference);
  return r.max_difference < 1e-9 && r.area_scores > 0 ? 0 : 1;
}

// The same GetModelVersion through the gateway (REST/JSON over HTTP/1.1 keep-alive, one
// connection per call slot) and over gRPC to the questionnaire service, alternating runs.
int Gateway() {
  const LoadOptions base = OptionsFromFlags();
  const int rounds = absl::GetFlag(FLAGS_rounds);
  if (rounds < 1 || rounds > 100) Die(absl::InvalidArgumentError("--rounds must be 1..100"));
  const std::string grpc_target =
      FlagOrEnv(absl::GetFlag(FLAGS_target), "LAGOM_QUESTIONNAIRE_ADDR");
  const std::string http_target =
      FlagOrEnv(absl::GetFlag(FLAGS_gateway_target), "LAGOM_GATEWAY_ADDR");
  const std::string key = FlagOrEnv(absl::GetFlag(FLAGS_api_key), "LAGOM_API_KEY");
  if (grpc_target.empty() || http_target.empty() || key.empty()) {
    Die(absl::InvalidArgumentError(
        "give --target (questionnaire), --gateway_target and --api_key, or "
        "LAGOM_QUESTIONNAIRE_ADDR, LAGOM_GATEWAY_ADDR and LAGOM_API_KEY (.lagom/stack.env)"));
  }
  CheckOrDie(CheckLoopbackTarget(grpc_target));
  CheckOrDie(CheckLoopbackTarget(http_target));
  const bool skip_content = absl::GetFlag(FLAGS_skip_content);
  const std::string model = absl::GetFlag(FLAGS_model_version);

  LoadOptions grpc_options = base;
  grpc_options.method = "/lagom.questionnaire.v1.QuestionnaireService/GetModelVersion";
  grpc_options.request =
      OrDie(EncodeRequest(grpc_options.method, "",
                          absl::StrCat(R"({"name":")", model, R"(","skipContent":)",
                                       skip_content ? "true" : "false", "}")));
  grpc_options.metadata.emplace_back("authorization", absl::StrCat("Bearer ", key));
  HttpCall http;
  http.base = absl::StrCat("http://", http_target);
  http.target = absl::StrCat("/v1/", model, "?skipContent=", skip_content ? "true" : "false");
  http.headers.emplace_back("authorization", absl::StrCat("Bearer ", key));
  CheckOrDie(HttpCallOnce(http, base.call_timeout));

  Samples grpc_samples, http_samples;
  std::vector<double> round_ratios;
  for (int round = 0; round < rounds; ++round) {
    double grpc_rps = 0, http_rps = 0;
    // Every other round in reverse, so a drift in the machine's load favours neither.
    for (int n = 0; n < 2; ++n) {
      if ((n == 0) == (round % 2 == 0)) {
        Samples samples = Measure(grpc_target, grpc_options);
        grpc_rps =
            CallsPerSecond(static_cast<int64_t>(samples.ok_latencies_ns.size()), samples.elapsed);
        Merge(grpc_samples, std::move(samples));
      } else {
        Samples samples = RunHttpLoad(http, base);
        http_rps =
            CallsPerSecond(static_cast<int64_t>(samples.ok_latencies_ns.size()), samples.elapsed);
        Merge(http_samples, std::move(samples));
      }
    }
    if (grpc_rps > 0) round_ratios.push_back(http_rps / grpc_rps);
  }
  std::vector<Summary> summaries = {Summarize("grpc", grpc_samples),
                                    Summarize("rest", http_samples)};
  const double ratio = summaries[0].rps > 0 ? summaries[1].rps / summaries[0].rps : 0;
  const double median_ratio = Median(round_ratios);
  const std::string note = absl::StrFormat(
      "%s rounds=%d skip_content=%s\n"
      "rest/grpc RPS = %.3f (the gateway costs %.1f %% of RPS); per round median %.3f\n"
      "p50 added by the gateway: %.3f ms\n",
      RunDescription(base), rounds, skip_content ? "true" : "false", ratio, 100 * (1 - ratio),
      median_ratio, absl::ToDoubleMilliseconds(summaries[1].p50 - summaries[0].p50));
  Print(summaries, note,
        {{"rest_over_grpc_rps", absl::StrFormat("%.4f", ratio)},
         {"rest_over_grpc_rps_round_median", absl::StrFormat("%.4f", median_ratio)},
         {"skip_content", skip_content ? "true" : "false"},
         {"inflight", absl::StrCat(base.inflight)},
         {"rounds", absl::StrCat(rounds)}});
  return Verdict(summaries);
}
}  // namespace
}  // namespace lagom::loadgen

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "closed-loop gRPC load on this machine.\n"
      "  loadgen echo [--inflight=16] [--duration=10s] [--response_bytes=N]\n"
      "  loadgen call --target=127.0.0.1:PORT --method=/pkg.Service/Method "
      "--request_json='{...}' [--request_type=pkg.Request] [--api_key=lgm_...]\n"
      "  loadgen auth-overhead [--inflight=16] [--duration=5s] [--rounds=1]\n"
      "  loadgen submit [--participants=50] [--inflight=16] [--duration=10s] [--rounds=1]\n"
      "  loadgen watch [--watchers=500] [--participants=50] [--rate=200] [--duration=10s]\n"
      "  loadgen score [--respondents=1000] [--repetitions=20]\n"
      "  loadgen gateway [--inflight=16] [--duration=10s] [--rounds=3] [--skip_content=false]\n"
      "submit and watch need a running stack (tools/stack up): --target (session service),\n"
      "--questionnaire_target and --api_key (a tenant admin's), or LAGOM_SESSION_ADDR,\n"
      "LAGOM_QUESTIONNAIRE_ADDR and LAGOM_API_KEY. For submit, start the stack with the\n"
      "per-tenant rate limit raised: LAGOM_RATE_LIMIT_PER_SECOND=1000000\n"
      "LAGOM_RATE_LIMIT_BURST=1000000 tools/stack up.");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  lagom::InitLogging("loadgen");
  const std::string mode = args.size() == 2 ? args[1] : "";
  if (mode == "echo") return lagom::loadgen::Echo();
  if (mode == "call") return lagom::loadgen::Call();
  if (mode == "auth-overhead") return lagom::loadgen::AuthOverhead();
  if (mode == "submit") return lagom::loadgen::Submit();
  if (mode == "watch") return lagom::loadgen::Watch();
  if (mode == "score") return lagom::loadgen::Score();
  if (mode == "gateway") return lagom::loadgen::Gateway();
  std::cerr << "loadgen: give one mode: echo, call, auth-overhead, submit, watch, score or "
               "gateway (see --help)\n";
  return 2;
}
