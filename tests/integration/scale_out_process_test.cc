// Scale-out on one machine (issue 9): two replicas of each service, every process reaching the
// others through replica lists (common/channel.h: round_robin, health checking, retries on
// UNAVAILABLE), clients likewise. Under a load of answer submissions, live watches and score
// previews, one replica of each service is killed with SIGKILL and restarted, or every replica
// is restarted in turn with SIGTERM; afterwards every acknowledged answer is in the record,
// every watcher's picture of the session matches it, and the clients' longest wait for a
// successful call stayed under two seconds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/channel.h"
#include "common/scales.h"
#include "common/testing/integration.h"
#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "lagom/reporting/v1/reporting.grpc.pb.h"
#include "lagom/scoring/v1/scoring.grpc.pb.h"
#include "lagom/session/v1/session.grpc.pb.h"
#include "tests/integration/lagom_processes.h"

namespace lagom::testing {
namespace {

namespace api = ::lagom::session::v1;
namespace q = ::lagom::questionnaire::v1;
constexpr char kModel[] = "models/lagom-itsm/versions/1";
constexpr int kReplicas = 2;

// Item → value → answers with it.
using Histograms = std::map<std::string, std::map<double, int>>;

// The replicas of one service, on ports chosen before any service starts (a replica is
// restarted on its port, so every list naming it stays right).
struct Replicas {
  ServiceBinary binary;
  std::vector<int> ports;
  std::vector<std::unique_ptr<RunningService>> running;
  std::vector<std::string> extra_args;

  std::string List() const {
    std::vector<std::string> addrs;
    for (int port : ports) addrs.push_back(absl::StrCat("127.0.0.1:", port));
    return absl::StrJoin(addrs, ",");
  }
};

class ScaleOutProcessTest : public ::testing::Test {
 protected:
  // An item a respondent answers, and the values of its scale.
  struct Item {
    std::string id;
    std::vector<double> values;
  };
  static void SetUpTestSuite() {
    questionnaire_ = new Replicas{Questionnaire()};
    reporting_ = new Replicas{Reporting()};
    session_ = new Replicas{Session()};
    scoring_ = new Replicas{Scoring()};
    for (Replicas* r : All()) {
      for (int i = 0; i < kReplicas; ++i) r->ports.push_back(ReservedLoopbackPort());
      r->running.resize(kReplicas);
    }
    reporting_->extra_args = {"--session_addr=" + session_->List()};
    session_->extra_args = {"--scoring_addr=" + scoring_->List()};
    scoring_->extra_args = {"--session_addr=" + session_->List(),
                            "--reporting_addr=" + reporting_->List()};
    for (Replicas* r : All()) {
      for (int i = 0; i < kReplicas; ++i) ASSERT_NO_FATAL_FAILURE(Start(*r, i));
    }
  }
  static void TearDownTestSuite() {
    for (Replicas* r : All()) delete r;
  }
  static std::vector<Replicas*> All() { return {questionnaire_, reporting_, session_, scoring_}; }

  static void Start(Replicas& r, int i) {
    std::vector<std::string> args = r.extra_args;
    args.push_back("--drain_deadline=5s");
    // Each replica's list of addresses is fixed, so a replica cannot move to another port.
    absl::StatusOr<RunningService> started = StartServiceOn(
        r.binary, r.binary.name == "questionnaire" ? "" : questionnaire_->List(), r.ports[i], args);
    ASSERT_TRUE(started.ok()) << r.binary.name << " replica " << i << ": " << started.status();
    r.running[i] = std::make_unique<RunningService>(*std::move(started));
  }

  static std::shared_ptr<grpc::Channel> Dial(const Replicas& r) {
    return *CreateServiceChannel(r.List(), grpc::InsecureChannelCredentials());
  }

  void SetUp() override {
    tenant_ = UniqueTenantId("scale");
    absl::StatusOr<std::string> key = CreateTenant(*questionnaire_->running[1]->channel, tenant_);
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    sessions_ = api::SessionService::NewStub(Dial(*session_));
    scoring_stub_ = scoring::v1::ScoringService::NewStub(Dial(*scoring_));
    reporting_stub_ = reporting::v1::ReportingService::NewStub(Dial(*reporting_));

    absl::StatusOr<std::string> org =
        CreateCustomerOrganization(*Dial(*questionnaire_), key_, tenant_, "contoso", "Contoso");
    ASSERT_TRUE(org.ok()) << org.status();

    api::CreateSessionRequest create;
    create.set_parent("tenants/" + tenant_);
    create.set_session_id("scale-out");
    create.mutable_session()->set_title("Autumn service review");
    create.mutable_session()->set_model_version(kModel);
    create.mutable_session()->mutable_scope()->add_customer_organizations(*org);
    api::CreateSessionResponse created;
    grpc::ClientContext ctx;
    Authorize(ctx, key_);
    ASSERT_TRUE(sessions_->CreateSession(&ctx, create, &created).ok());
    session_name_ = created.session().name();
    api::OpenSessionRequest open;
    open.set_name(session_name_);
    api::OpenSessionResponse opened;
    grpc::ClientContext open_ctx;
    Authorize(open_ctx, key_);
    ASSERT_TRUE(sessions_->OpenSession(&open_ctx, open, &opened).ok());

    std::map<q::ItemPerspective, std::vector<Item>> items = Items();
    for (int i = 0; i < 8; ++i) {
      const bool provider = i % 2 == 0;
      Respondent r;
      r.items = items[provider ? q::ITEM_PERSPECTIVE_PROVIDER : q::ITEM_PERSPECTIVE_CUSTOMER];
      ASSERT_GT(r.items.size(), 10u);
      api::CreateParticipantRequest p;
      p.set_parent(session_name_);
      p.set_participant_id(absl::StrCat("r", i));
      p.mutable_participant()->set_display_name(absl::StrCat("Respondent ", i));
      p.mutable_participant()->set_perspective(provider ? api::PARTICIPANT_PERSPECTIVE_PROVIDER
                                                        : api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
      if (!provider) {
        p.mutable_participant()->set_customer_organization(*org);
      }
      api::CreateParticipantResponse participant;
      grpc::ClientContext p_ctx;
      Authorize(p_ctx, key_);
      ASSERT_TRUE(sessions_->CreateParticipant(&p_ctx, p, &participant).ok());
      r.participant = participant.participant().name();
      api::CreateInvitationRequest inv;
      inv.set_parent(session_name_);
      inv.mutable_invitation()->set_participant(r.participant);
      api::CreateInvitationResponse invited;
      grpc::ClientContext inv_ctx;
      Authorize(inv_ctx, key_);
      ASSERT_TRUE(sessions_->CreateInvitation(&inv_ctx, inv, &invited).ok());
      r.token = invited.token();
      respondents_.push_back(std::move(r));
    }
  }

  // The items each side answers, with the values of their scales.
  std::map<q::ItemPerspective, std::vector<Item>> Items() {
    auto stub = q::QuestionnaireService::NewStub(Dial(*questionnaire_));
    q::GetModelVersionRequest req;
    req.set_name(kModel);
    q::GetModelVersionResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, key_);
    EXPECT_TRUE(stub->GetModelVersion(&ctx, req, &resp).ok());
    std::map<q::ItemPerspective, std::vector<Item>> out;
    for (const auto& area : resp.model_version().content().areas()) {
      for (const auto& item : area.items()) {
        if (item.servqual_aspect() != q::SERVQUAL_ASPECT_BOTH) {
          absl::Span<const double> values = ScaleValues(item.scale());
          out[item.perspective()].push_back({item.id(), {values.begin(), values.end()}});
        }
      }
    }
    return out;
  }

  struct Respondent {
    std::string participant, token;
    std::vector<Item> items;
    std::map<std::string, double> acknowledged;  // item → value of calls that returned OK
    int submitted = 0;                           // calls that returned OK
    int failed_calls = 0;                        // non-OK after the channel's own retries
    absl::Duration longest_wait;                 // between two acknowledged answers
  };

  // A watcher that resumes from its last cursor whenever its stream breaks, and keeps what it
  // was told of each item: answers counted over the provider and all-customers groups.
  struct Watcher {
    std::thread thread;
    std::unique_ptr<api::SessionService::Stub> first_stub;  // the first stream's, if not the list
    std::unique_ptr<grpc::ClientContext> ctx;
    absl::Mutex mu;
    bool stop = false;
    int64_t cursor = 0;
    int streams = 0, snapshots = 0, replays = 0, backwards = 0;
    Histograms answered;

    void Take(const api::ItemDistribution& d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      std::map<double, int>& h = answered[d.item_id()];
      h.clear();
      for (const api::GroupDistribution& g : d.groups()) {
        if (g.group().kind() == type::v1::RESPONSE_GROUP_KIND_PROVIDER ||
            g.group().kind() == type::v1::RESPONSE_GROUP_KIND_ALL_CUSTOMERS) {
          for (const api::ValueCount& c : g.counts()) {
            if (c.count() > 0) h[c.value()] += c.count();
          }
        }
      }
      if (h.empty()) answered.erase(d.item_id());
    }
  };

  void RunWatcher(Watcher& w) {
    for (;;) {
      api::WatchSessionRequest req;
      bool pinned = false;  // the first stream of a watcher that starts on a given replica
      {
        absl::MutexLock lock(&w.mu);
        if (w.stop) return;
        w.ctx = std::make_unique<grpc::ClientContext>();
        Authorize(*w.ctx, key_);
        w.ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
        req.set_session(session_name_);
        req.set_resume_cursor(w.cursor);
        pinned = w.streams++ == 0 && w.first_stub != nullptr;
      }
      api::SessionService::Stub& stub = pinned ? *w.first_stub : *sessions_;
      std::unique_ptr<grpc::ClientReader<api::WatchSessionResponse>> reader =
          stub.WatchSession(w.ctx.get(), req);
      api::WatchSessionResponse event;
      bool first = true;
      while (reader->Read(&event)) {
        absl::MutexLock lock(&w.mu);
        if (first && req.resume_cursor() > 0) (event.has_snapshot() ? w.snapshots : w.replays)++;
        if (event.has_snapshot()) {
          w.answered.clear();
          for (const api::ItemDistribution& d : event.snapshot().distributions()) w.Take(d);
        } else if (event.has_heartbeat()) {
          continue;  // a keep-alive carries the stream's position, which may be the last one
        } else if (event.cursor() <= w.cursor) {
          if (w.backwards++ < 3) {
            std::cerr << "backwards: kind " << event.event_case() << " cursor " << event.cursor()
                      << " after " << w.cursor << " first " << first << "\n";
          }
          continue;
        } else if (event.has_item_distribution_changed()) {
          w.Take(event.item_distribution_changed().distribution());
        }
        w.cursor = std::max(w.cursor, event.cursor());
        first = false;
      }
      grpc::Status status = reader->Finish();
      absl::MutexLock lock(&w.mu);
      if (w.stop) return;
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
          status.error_code() != grpc::StatusCode::CANCELLED) {
        ADD_FAILURE() << "watch ended " << status.error_code() << ": " << status.error_message();
        return;
      }
      w.mu.AwaitWithTimeout(absl::Condition(&w.stop), absl::Milliseconds(50));
    }
  }

  // Each respondent answers its items in turn, again and again with other values, until
  // `stop`; a call that fails is repeated with the same request_id (as a client would) until
  // it is acknowledged.
  void RunRespondent(int index, Respondent& r, const std::atomic<bool>& stop) {
    absl::Time last_ok = absl::Now();
    for (int seq = 0; !stop.load(); ++seq) {
      const std::string& item = r.items[seq % r.items.size()].id;
      const std::vector<double>& values = r.items[seq % r.items.size()].values;
      const double value = values[(seq / r.items.size() + index) % values.size()];
      const std::string request_id =
          absl::StrFormat("00000000-0000-4000-8000-%04d%08d", index, seq);
      for (;;) {
        api::SubmitAnswerRequest req;
        req.set_parent(r.participant);
        req.set_request_id(request_id);
        req.mutable_answer()->set_item_id(item);
        req.mutable_answer()->set_value(value);
        api::SubmitAnswerResponse resp;
        grpc::ClientContext ctx;
        ctx.AddMetadata("x-lagom-invite-token", r.token);
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        grpc::Status s = sessions_->SubmitAnswer(&ctx, req, &resp);
        if (s.ok()) {
          r.acknowledged[item] = value;
          r.submitted++;
          const absl::Time now = absl::Now();
          r.longest_wait = std::max(r.longest_wait, now - last_ok);
          last_ok = now;
          break;
        }
        if (r.failed_calls++ < 3) {
          std::cerr << r.participant << ": " << s.error_code() << " " << s.error_message() << "\n";
        }
        if (stop.load()) return;
        absl::SleepFor(absl::Milliseconds(20));
      }
      absl::SleepFor(absl::Milliseconds(15));
    }
  }

  // Score previews and scorecard lists while the answers come in: scoring reads sessions and
  // the model across replicas, reporting reads the questionnaire's settings.
  void RunReader(const std::atomic<bool>& stop, int& failed, absl::Duration& longest_wait) {
    absl::Time last_ok = absl::Now();
    while (!stop.load()) {
      scoring::v1::ScoreSessionRequest score;
      score.set_session(session_name_);
      score.set_preview(true);
      scoring::v1::ScoreSessionResponse scored;
      grpc::ClientContext score_ctx;
      Authorize(score_ctx, key_);
      grpc::Status s = scoring_stub_->ScoreSession(&score_ctx, score, &scored);
      reporting::v1::ListScorecardsRequest list;
      list.set_parent("tenants/" + tenant_);
      reporting::v1::ListScorecardsResponse listed;
      grpc::ClientContext list_ctx;
      Authorize(list_ctx, key_);
      grpc::Status l = reporting_stub_->ListScorecards(&list_ctx, list, &listed);
      if (s.ok() && l.ok()) {
        const absl::Time now = absl::Now();
        longest_wait = std::max(longest_wait, now - last_ok);
        last_ok = now;
      } else {
        failed++;
        std::cerr << "reader: score " << s.error_code() << " " << s.error_message() << "; list "
                  << l.error_code() << " " << l.error_message() << "\n";
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  // Every answer in the record: participant → item → value.
  std::map<std::string, std::map<std::string, double>> Record() {
    std::map<std::string, std::map<std::string, double>> out;
    api::ListAnswersRequest req;
    req.set_parent(session_name_ + "/participants/-");
    req.set_page_size(1000);
    do {
      api::ListAnswersResponse resp;
      grpc::ClientContext ctx;
      Authorize(ctx, key_);
      grpc::Status s = sessions_->ListAnswers(&ctx, req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const api::Answer& a : resp.answers()) {
        out[a.name().substr(0, a.name().find("/answers/"))][a.item_id()] = a.value();
      }
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  // Runs the load for `duration`, calling `disrupt` once it is under way, then checks what
  // the issue asks: nothing acknowledged lost, watchers without gaps, recovery within 2 s.
  void UnderLoad(absl::Duration duration, const std::function<void()>& disrupt) {
    // The first two watchers start on replicas 0 and 1, whatever round robin would pick (it
    // picks only among replicas already connected), so that the disruption always meets a
    // watcher; every later stream, and the other watchers', goes through the replica list.
    std::vector<std::unique_ptr<Watcher>> watchers;
    for (int i = 0; i < 4; ++i) {
      watchers.push_back(std::make_unique<Watcher>());
      Watcher* w = watchers.back().get();
      if (i < kReplicas)
        w->first_stub = api::SessionService::NewStub(session_->running[i]->channel);
      w->thread = std::thread([this, w] { RunWatcher(*w); });
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (size_t i = 0; i < respondents_.size(); ++i) {
      threads.emplace_back([this, i, &stop] { RunRespondent(i, respondents_[i], stop); });
    }
    absl::SleepFor(absl::Milliseconds(500));  // answers in the record before previews
    int reader_failed = 0;
    absl::Duration reader_wait;
    std::thread reader([&] { RunReader(stop, reader_failed, reader_wait); });

    absl::SleepFor(absl::Seconds(1));
    const absl::Time disrupted = absl::Now();
    disrupt();
    absl::SleepFor(duration - (absl::Now() - disrupted));
    stop = true;
    for (std::thread& t : threads) t.join();
    reader.join();

    // Nothing acknowledged is lost.
    std::map<std::string, std::map<std::string, double>> record = Record();
    int acknowledged = 0, failed = 0, submitted = 0;
    absl::Duration longest;
    for (const Respondent& r : respondents_) {
      for (const auto& [item, value] : r.acknowledged) {
        acknowledged++;
        auto it = record[r.participant].find(item);
        ASSERT_NE(it, record[r.participant].end()) << r.participant << " " << item << " lost";
        EXPECT_EQ(it->second, value) << r.participant << " " << item;
      }
      failed += r.failed_calls;
      submitted += r.submitted;
      longest = std::max(longest, r.longest_wait);
    }
    EXPECT_GT(submitted, 400) << "the load ran across the disruption";
    // Clients recover within 2 s: no respondent waited longer for an acknowledged answer,
    // and score previews and scorecard lists went on too.
    EXPECT_LT(longest, absl::Seconds(2));
    EXPECT_LT(reader_wait, absl::Seconds(2));

    // Watchers resume without gaps: each one's picture of every item is the record's.
    Histograms truth;
    for (const auto& [participant, answers] : record) {
      for (const auto& [item, value] : answers) truth[item][value]++;
    }
    int streams = 0, replays = 0, snapshots = 0;
    for (std::unique_ptr<Watcher>& w : watchers) {
      absl::MutexLock lock(&w->mu);
      const absl::Time end = absl::Now() + absl::Seconds(10);
      while (w->answered != truth && absl::Now() < end) {
        w->mu.AwaitWithTimeout(absl::Condition(
                                   +[](bool* b) { return *b; }, &w->stop),
                               absl::Milliseconds(50));
      }
      EXPECT_EQ(w->answered, truth) << "a watcher's picture differs from the record";
      EXPECT_EQ(w->backwards, 0) << "events at or before the resume cursor were sent again";
      streams += w->streams;
      replays += w->replays;
      snapshots += w->snapshots;
      w->stop = true;
      if (w->ctx) w->ctx->TryCancel();
    }
    for (std::unique_ptr<Watcher>& w : watchers) w->thread.join();
    std::cerr << submitted << " answers acknowledged (" << acknowledged
              << " participant-item pairs), all in the record; " << failed
              << " submissions failed and were repeated; longest wait "
              << absl::FormatDuration(longest) << " (previews " << absl::FormatDuration(reader_wait)
              << ", " << reader_failed << " failed); watch streams " << streams
              << " for 4 watchers, " << replays << " resumed by replay\n";
    // Redis kept the stream, so every resumed watch replays what followed its cursor rather
    // than starting over from a snapshot.
    EXPECT_EQ(snapshots, 0) << "a resumed watch could not replay from its cursor";
    failed_submissions_ = failed;
    reader_failed_ = reader_failed;
    watch_streams_ = streams;
  }

  static Replicas* questionnaire_;
  static Replicas* reporting_;
  static Replicas* session_;
  static Replicas* scoring_;
  std::string tenant_, key_, session_name_;
  std::unique_ptr<api::SessionService::Stub> sessions_;
  std::unique_ptr<scoring::v1::ScoringService::Stub> scoring_stub_;
  std::unique_ptr<reporting::v1::ReportingService::Stub> reporting_stub_;
  std::vector<Respondent> respondents_;
  int failed_submissions_ = 0, reader_failed_ = 0, watch_streams_ = 0;
};

Replicas* ScaleOutProcessTest::questionnaire_ = nullptr;
Replicas* ScaleOutProcessTest::reporting_ = nullptr;
Replicas* ScaleOutProcessTest::session_ = nullptr;
Replicas* ScaleOutProcessTest::scoring_ = nullptr;

// The killed replicas stay down for the rest of the load: clients must move to the others.
TEST_F(ScaleOutProcessTest, OneReplicaOfEachServiceKilledUnderLoad) {
  UnderLoad(absl::Seconds(5), [] {
    for (Replicas* r : All()) r->running[0]->process->Signal(SIGKILL);
    for (Replicas* r : All()) r->running[0]->process->WaitForExit(absl::Seconds(5));
  });
  EXPECT_EQ(failed_submissions_, 0) << "a submission failed after the channel's retries";
  EXPECT_EQ(reader_failed_, 0) << "a score preview or scorecard list failed";
  EXPECT_GT(watch_streams_, 4) << "no watcher was on a killed replica: nothing was resumed";
  for (Replicas* r : All()) ASSERT_NO_FATAL_FAILURE(Start(*r, 0));
}

TEST_F(ScaleOutProcessTest, ARollingRestartFailsNoCall) {
  UnderLoad(absl::Seconds(12), [] {
    for (Replicas* r : All()) {
      for (int i = 0; i < kReplicas; ++i) {
        r->running[i]->process->Signal(SIGTERM);
        std::optional<int> exited = r->running[i]->process->WaitForExit(absl::Seconds(10));
        ASSERT_EQ(exited, 0) << r->binary.name << " replica " << i << " did not drain and exit 0";
        ASSERT_NO_FATAL_FAILURE(Start(*r, i));
      }
    }
  });
  EXPECT_EQ(failed_submissions_, 0) << "a submission failed during the rolling restart";
  EXPECT_EQ(reader_failed_, 0) << "a score preview or scorecard list failed";
  EXPECT_GT(watch_streams_, 4) << "no watcher was moved off a draining replica";
}

}  // namespace
}  // namespace lagom::testing
