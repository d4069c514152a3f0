#include "tools/loadgen/watch_load.h"

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/authenticator.h"
#include "lagom/session/v1/session.grpc.pb.h"
#include "lagom/type/v1/assessment.pb.h"
#include "tools/loadgen/load.h"
#include "tools/loadgen/servers.h"

namespace lagom::loadgen {
namespace {

namespace sapi = ::lagom::session::v1;
using Clock = std::chrono::steady_clock;

int64_t Nanos(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

// A watcher saw item `item`'s distribution with `count` PROVIDER answers at `at`.
struct Sighting {
  int32_t item;
  int32_t count;
  Clock::time_point at;
};

// Counts watchers as they connect (first snapshot) and end, for the driver to wait on.
class WatchBoard final {
 public:
  explicit WatchBoard(int watchers) : watchers_(watchers) {}

  void Connected(Clock::time_point at) {
    absl::MutexLock lock(&mu_);
    ++connected_;
    last_connected_ = std::max(last_connected_, at);
  }
  void Ended(bool was_connected) {
    absl::MutexLock lock(&mu_);
    ++ended_;
    if (!was_connected) ++ended_unconnected_;
  }
  // Until every watcher has connected or ended; false after `timeout`.
  bool WaitSettled(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return connected_ + ended_unconnected_ >= watchers_;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&settled), timeout);
  }
  void WaitAllEnded() {
    absl::MutexLock lock(&mu_);
    auto all_ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ended_ >= watchers_; };
    mu_.Await(absl::Condition(&all_ended));
  }
  int connected() {
    absl::MutexLock lock(&mu_);
    return connected_;
  }
  Clock::time_point last_connected() {
    absl::MutexLock lock(&mu_);
    return last_connected_;
  }

 private:
  const int watchers_;
  absl::Mutex mu_;
  int connected_ ABSL_GUARDED_BY(mu_) = 0;
  int ended_ ABSL_GUARDED_BY(mu_) = 0;
  int ended_unconnected_ ABSL_GUARDED_BY(mu_) = 0;
  Clock::time_point last_connected_ ABSL_GUARDED_BY(mu_){};
};

// One WatchSession stream, recording every distribution it receives. gRPC runs its reactions
// one at a time; the driver reads what it recorded only after WatchBoard::WaitAllEnded, whose
// mutex orders those reads after the last reaction.
class Watcher final : public grpc::ClientReadReactor<sapi::WatchSessionResponse> {
 public:
  Watcher(const absl::flat_hash_map<std::string, int32_t>& items, WatchBoard& board)
      : items_(items), board_(board) {}

  void Start(sapi::SessionService::Stub& stub, const std::string& session,
             const std::string& api_key, absl::Duration deadline) {
    context_.AddMetadata(auth::kAuthorizationKey, absl::StrCat("Bearer ", api_key));
    context_.set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(deadline));
    request_.set_session(session);
    stub.async()->WatchSession(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }

  void Cancel() {
    cancelled_.store(true);
    context_.TryCancel();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    const Clock::time_point at = Clock::now();
    switch (event_.event_case()) {
      case sapi::WatchSessionResponse::kSnapshot:
        for (const sapi::ItemDistribution& d : event_.snapshot().distributions()) See(d, at);
        if (!connected_) {
          connected_ = true;
          board_.Connected(at);
        }
        break;
      case sapi::WatchSessionResponse::kItemDistributionChanged:
        ++events_;
        See(event_.item_distribution_changed().distribution(), at);
        break;
      default:
        break;
    }
    StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    status_ = status;
    // The last touch of this object: the driver may destroy it once every watcher ended.
    board_.Ended(connected_);
  }

  bool connected() const { return connected_; }
  int64_t events() const { return events_; }
  const std::vector<Sighting>& sightings() const { return sightings_; }
  // Why the stream ended, unless loadgen ended it; nullptr if it did.
  const char* Failure() const {
    if (status_.error_code() == grpc::StatusCode::CANCELLED && cancelled_.load()) return nullptr;
    return StatusCodeName(status_.error_code());
  }
  const grpc::Status& status() const { return status_; }

 private:
  void See(const sapi::ItemDistribution& d, Clock::time_point at) {
    auto item = items_.find(d.item_id());
    if (item == items_.end()) return;
    int32_t count = 0;
    for (const sapi::GroupDistribution& g : d.groups()) {
      if (g.group().kind() == type::v1::RESPONSE_GROUP_KIND_PROVIDER) count = g.answer_count();
    }
    sightings_.push_back({item->second, count, at});
  }

  const absl::flat_hash_map<std::string, int32_t>& items_;
  WatchBoard& board_;
  grpc::ClientContext context_;
  sapi::WatchSessionRequest request_;
  sapi::WatchSessionResponse event_;
  std::atomic<bool> cancelled_{false};
  bool connected_ = false;
  int64_t events_ = 0;
  std::vector<Sighting> sightings_;
  grpc::Status status_;
};

// One SubmitAnswer of the run.
struct Send {
  int32_t item = 0;
  Clock::time_point started;
  Clock::time_point finished;
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::unique_ptr<grpc::ClientContext> context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

// Starts SubmitAnswer calls at a fixed rate, open loop: answer n is due n / rate after the
// start, whether or not earlier ones have returned. Answer n is item n mod items of respondent
// n div items, so each (respondent, item) pair is answered once and an item's answers are
// items/rate apart.
class Submitter final {
 public:
  Submitter(grpc::GenericStub& stub, const LoadSession& session, const WatchOptions& options,
            int64_t total)
      : stub_(stub), session_(session), options_(options), sends_(static_cast<size_t>(total)) {}

  // Returns once every call has completed.
  void Run(Clock::time_point start) {
    std::mt19937_64 random(std::random_device{}());
    const size_t items = session_.items.size();
    for (size_t n = 0; n < sends_.size(); ++n) {
      std::this_thread::sleep_until(start + std::chrono::nanoseconds(static_cast<int64_t>(
                                                1e9 * static_cast<double>(n) / options_.rate)));
      Send& send = sends_[n];
      send.item = static_cast<int32_t>(n % items);
      CallSpec call =
          SubmitAnswerCall(session_.respondents[n / items], session_.items[n % items], random);
      grpc::Slice slice(call.request);
      send.request = grpc::ByteBuffer(&slice, 1);
      send.context = std::make_unique<grpc::ClientContext>();
      send.context->set_deadline(std::chrono::system_clock::now() +
                                 absl::ToChronoNanoseconds(options_.call_timeout));
      for (const auto& [key, value] : call.metadata) send.context->AddMetadata(key, value);
      send.started = Clock::now();
      stub_.UnaryCall(send.context.get(), kSubmitAnswerMethod, grpc::StubOptions(), &send.request,
                      &send.response, [this, &send](const grpc::Status& status) {
                        send.finished = Clock::now();
                        send.code = status.error_code();
                        absl::MutexLock lock(&mu_);
                        ++finished_;
                      });
    }
    absl::MutexLock lock(&mu_);
    auto all_finished = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return finished_ >= sends_.size();
    };
    mu_.Await(absl::Condition(&all_finished));
  }

  // After Run.
  const std::vector<Send>& sends() const { return sends_; }

 private:
  grpc::GenericStub& stub_;
  const LoadSession& session_;
  const WatchOptions& options_;
  std::vector<Send> sends_;
  absl::Mutex mu_;
  size_t finished_ ABSL_GUARDED_BY(mu_) = 0;
};

// Pairs each measured successful answer with the first sighting, at each watcher, of its item
// with a count that includes it.
void MatchDeliveries(const std::vector<Send>& sends, size_t items, Clock::time_point from,
                     Clock::time_point to, const std::vector<std::unique_ptr<Watcher>>& watchers,
                     Samples& deliveries) {
  // The successful answers of each item in send order: the k-th (from 1) is included once
  // answer_count >= k.
  std::vector<std::vector<size_t>> ok_by_item(items);
  for (size_t n = 0; n < sends.size(); ++n) {
    if (sends[n].code == grpc::StatusCode::OK) {
      ok_by_item[static_cast<size_t>(sends[n].item)].push_back(n);
    }
  }
  auto measured = [&](size_t n) { return sends[n].started >= from && sends[n].started < to; };
  std::vector<std::vector<const Sighting*>> by_item(items);
  for (const auto& watcher : watchers) {
    if (!watcher->connected()) continue;
    for (auto& list : by_item) list.clear();
    for (const Sighting& s : watcher->sightings())
      by_item[static_cast<size_t>(s.item)].push_back(&s);
    for (size_t item = 0; item < items; ++item) {
      const std::vector<size_t>& ok = ok_by_item[item];
      size_t next = 0;  // ok[next] is the first answer not seen yet
      int32_t most = 0;
      for (const Sighting* s : by_item[item]) {
        most = std::max(most, s->count);
        for (; next < ok.size() && static_cast<int64_t>(next) < most; ++next) {
          if (!measured(ok[next])) continue;
          const int64_t latency = Nanos(s->at - sends[ok[next]].started);
          if (latency < 0) {
            ++deliveries.errors["COUNT_AHEAD"];
          } else {
            deliveries.ok_latencies_ns.push_back(latency);
          }
        }
      }
      for (; next < ok.size(); ++next) {
        if (measured(ok[next])) ++deliveries.errors["NOT_DELIVERED"];
      }
    }
  }
}

}  // namespace

int64_t WatchAnswersNeeded(const WatchOptions& options) {
  return static_cast<int64_t>(
      std::ceil(options.rate * absl::ToDoubleSeconds(options.warmup + options.duration)));
}

absl::StatusOr<WatchResult> RunWatch(const WatchOptions& options, const LoadSession& session) {
  const int64_t total = WatchAnswersNeeded(options);
  const size_t items = session.items.size();
  if (items == 0 || total > static_cast<int64_t>(items * session.respondents.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the run sends ", total, " answers, one per (participant, item) pair, but the session has ",
        session.respondents.size(), " participants x ", items, " items"));
  }
  absl::flat_hash_map<std::string, int32_t> item_index;
  for (size_t i = 0; i < items; ++i) item_index[session.items[i].id] = static_cast<int32_t>(i);

  const auto watch_channels = MakeChannels(options.target, options.channels);
  const auto submit_channels = MakeChannels(options.target, 1);
  if (absl::Status s = WaitConnected(watch_channels, options.target, absl::Seconds(5)); !s.ok()) {
    return s;
  }
  if (absl::Status s = WaitConnected(submit_channels, options.target, absl::Seconds(5)); !s.ok()) {
    return s;
  }
  std::vector<std::unique_ptr<sapi::SessionService::Stub>> stubs;
  for (const auto& channel : watch_channels)
    stubs.push_back(sapi::SessionService::NewStub(channel));

  WatchBoard board(options.watchers);
  std::vector<std::unique_ptr<Watcher>> watchers;
  // No stream outlives the run by much, whatever happens to loadgen's cancel.
  const absl::Duration stream_deadline = options.connect_timeout + options.warmup +
                                         options.duration + options.drain + options.call_timeout +
                                         absl::Seconds(30);
  const Clock::time_point connect_start = Clock::now();
  for (int i = 0; i < options.watchers; ++i) {
    watchers.push_back(std::make_unique<Watcher>(item_index, board));
    watchers.back()->Start(*stubs[static_cast<size_t>(i) % stubs.size()], session.name,
                           options.api_key, stream_deadline);
  }
  auto end_all = [&] {
    for (auto& watcher : watchers) watcher->Cancel();
    board.WaitAllEnded();
  };
  const bool settled = board.WaitSettled(options.connect_timeout);
  const int connected = board.connected();
  if (!settled || connected == 0) {
    end_all();
    std::string why;
    for (const auto& watcher : watchers) {
      if (!watcher->connected() && watcher->Failure() != nullptr) {
        why = absl::StrCat(": first refusal ", watcher->Failure(), ": ",
                           watcher->status().error_message());
        break;
      }
    }
    return absl::FailedPreconditionError(absl::StrCat(
        connected, " of ", options.watchers, " watchers received their snapshot within ",
        absl::FormatDuration(options.connect_timeout), why));
  }

  WatchResult result;
  result.watchers_connected = connected;
  result.connect_time = absl::FromChrono(board.last_connected() - connect_start);

  grpc::GenericStub submit_stub(submit_channels.front());
  Submitter submitter(submit_stub, session, options, total);
  const Clock::time_point start = Clock::now();
  const Clock::time_point from = start + absl::ToChronoNanoseconds(options.warmup);
  const Clock::time_point to = from + absl::ToChronoNanoseconds(options.duration);
  submitter.Run(start);
  absl::SleepFor(options.drain);
  end_all();

  const std::vector<Send>& sends = submitter.sends();
  int64_t started_in_window = 0;
  for (size_t n = 0; n < sends.size(); ++n) {
    const Send& send = sends[n];
    if (send.started < from || send.started >= to) continue;
    ++started_in_window;
    if (send.code == grpc::StatusCode::OK) {
      result.submits.ok_latencies_ns.push_back(Nanos(send.finished - send.started));
    } else {
      ++result.submits.errors[StatusCodeName(send.code)];
    }
    if (n >= items && sends[n - items].finished > send.started) ++result.overlapping_sends;
  }
  result.submits.elapsed = options.duration;
  result.achieved_rate =
      static_cast<double>(started_in_window) / absl::ToDoubleSeconds(options.duration);

  MatchDeliveries(sends, items, from, to, watchers, result.deliveries);
  result.deliveries.elapsed = options.duration;
  for (const auto& watcher : watchers) {
    if (watcher->connected()) result.events_per_watcher.push_back(watcher->events());
    if (const char* failure = watcher->Failure()) ++result.watcher_errors[failure];
  }
  return result;
}

}  // namespace lagom::loadgen
