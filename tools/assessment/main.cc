// assessment: runs one collaborative assessment on a running Lagom stack, as its people would:
// a facilitator opens a session of a model for the provider's services and customer
// organisations, invites provider staff and customer respondents, watches progress live
// while everyone answers (simulated: a spread of opinions, with customers seeing some areas
// worse than the provider does), and closes it. tools/demo runs it; anyone can, against a
// stack:
//
//   assessment --session_addr=H:P --questionnaire_addr=H:P --api_key=lgm_...
//     --customer_organizations=tenants/t/customerOrganizations/a,...
//     --services=tenants/t/services/x,...
//
// With --report_dir it then waits for the scorecard scoring records when the session closes,
// prints its summary and writes the reports (provider; shareable with the first organisation)
// and the JSON and CSV exports there. Prints what happens, one line per step, and the closed
// session's name last.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/channel.h"
#include "common/config.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "lagom/session/v1/session.grpc.pb.h"
#include "tools/assessment/report.h"

ABSL_FLAG(std::string, session_addr, "", "Session service HOST:PORT (LAGOM_SESSION_ADDR)");
ABSL_FLAG(std::string, questionnaire_addr, "",
          "Questionnaire service HOST:PORT (LAGOM_QUESTIONNAIRE_ADDR)");
ABSL_FLAG(std::string, api_key, "", "A tenant admin's or facilitator's API key (LAGOM_API_KEY)");
ABSL_FLAG(std::string, model_version, "models/lagom-itsm/versions/1", "Model version to use");
ABSL_FLAG(std::vector<std::string>, customer_organizations, {},
          "Customer organisations taking part (resource names)");
ABSL_FLAG(std::vector<std::string>, services, {}, "Services in scope (resource names)");
ABSL_FLAG(std::string, title, "Service review", "Session title");
ABSL_FLAG(int, provider_staff, 4, "Provider staff answering");
ABSL_FLAG(int, customers_per_organization, 3, "Respondents per customer organisation");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the simulated opinions (same seed, same answers)");
ABSL_FLAG(std::string, reporting_addr, "", "Reporting service HOST:PORT (LAGOM_REPORTING_ADDR)");
ABSL_FLAG(std::string, report_dir, "",
          "If set: wait for the scorecard, print it, and write the reports and exports here");
ABSL_FLAG(std::string, report_language, "en", "Language of the reports: en or sv");

namespace lagom::assessment {
namespace {

namespace api = ::lagom::session::v1;
namespace q = ::lagom::questionnaire::v1;

[[noreturn]] void Die(const std::string& what, const grpc::Status& s) {
  std::fprintf(stderr, "assessment: %s failed: %s (%d)\n", what.c_str(), s.error_message().c_str(),
               static_cast<int>(s.error_code()));
  std::exit(1);
}

void Check(const std::string& what, const grpc::Status& s) {
  if (!s.ok()) Die(what, s);
}

// A caller's context: the facilitator's API key, or a respondent's invite token.
std::unique_ptr<grpc::ClientContext> Context(const std::string& api_key,
                                             const std::string& invite_token = "",
                                             absl::Duration deadline = absl::Seconds(20)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (invite_token.empty()) {
    ctx->AddMetadata("authorization", "Bearer " + api_key);
  } else {
    ctx->AddMetadata("x-lagom-invite-token", invite_token);
  }
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return ctx;
}

// What one simulated person thinks of each area, 0–1: the provider's staff share a view of
// their own processes; each customer organisation has its own experience of them, usually
// somewhat worse and in a few areas clearly worse (the disagreement the assessment is for).
struct Opinions {
  std::map<std::string, double> provider;                         // area → level
  std::map<std::string, std::map<std::string, double>> customer;  // org → area → level
};

Opinions Simulate(const q::ModelContent& model, const std::vector<std::string>& orgs,
                  std::mt19937_64& random) {
  Opinions o;
  std::uniform_real_distribution<double> provider_level(0.45, 0.85);
  std::uniform_real_distribution<double> usual_gap(-0.05, 0.15);
  std::uniform_real_distribution<double> big_gap(0.25, 0.4);
  std::uniform_real_distribution<double> org_shift(-0.08, 0.08);
  int area_index = 0;
  for (const q::Area& area : model.areas()) {
    const double p = provider_level(random);
    o.provider[area.id()] = p;
    // Every third area is one the customers see clearly worse.
    const double gap = (area_index++ % 3 == 1) ? big_gap(random) : usual_gap(random);
    for (const std::string& org : orgs) {
      o.customer[org][area.id()] = std::clamp(p - gap + org_shift(random), 0.05, 0.95);
    }
  }
  return o;
}

// A level 0–1 on `item`'s scale.
double OnScale(const q::Item& item, double level) {
  level = std::clamp(level, 0.0, 1.0);
  switch (item.scale()) {
    case q::SCALE_MATURITY_0_5:
      return std::round(level * 5);
    case q::SCALE_LIKERT_5:
      return std::round(1 + level * 4);
    case q::SCALE_SAMM_4: {
      const double steps[] = {0, 0.25, 0.5, 1};
      return *std::min_element(std::begin(steps), std::end(steps), [&](double a, double b) {
        return std::abs(a - level) < std::abs(b - level);
      });
    }
    case q::SCALE_YES_NO:
      return level >= 0.5 ? 1 : 0;
    default:
      return 0;
  }
}

struct Person {
  std::string display_name;
  api::ParticipantPerspective perspective;
  std::string organization;  // customers
  std::string participant;   // resource name, once created
  std::string token;
  double bias = 0;  // personal leaning, on the 0–1 scale
};

bool Answers(const q::Item& item, api::ParticipantPerspective p) {
  if (item.perspective() == q::ITEM_PERSPECTIVE_BOTH) return true;
  return p == api::PARTICIPANT_PERSPECTIVE_PROVIDER
             ? item.perspective() == q::ITEM_PERSPECTIVE_PROVIDER
             : item.perspective() == q::ITEM_PERSPECTIVE_CUSTOMER;
}

std::string Percent(const api::Progress& p) {
  return absl::StrFormat("%3.0f%% (%d/%d)", 100 * p.fraction(), p.answered_count(),
                         p.expected_count());
}

std::string GroupName(const type::v1::ResponseGroup& g) {
  switch (g.kind()) {
    case type::v1::RESPONSE_GROUP_KIND_PROVIDER:
      return "provider";
    case type::v1::RESPONSE_GROUP_KIND_ALL_CUSTOMERS:
      return "all customers";
    default:  // an organisation, by its id
      return g.customer_organization().substr(g.customer_organization().rfind('/') + 1);
  }
}

// The facilitator's live view: one line per tenth of the way, and each participant who
// completes. A stream that breaks (its session-service replica went away) is resumed from the
// last cursor, on another replica when there is one.
class Watcher {
 public:
  Watcher(api::SessionService::Stub& stub, const std::string& api_key, const std::string& session)
      : thread_([this, &stub, api_key, session] { Run(stub, api_key, session); }) {}
  ~Watcher() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      if (ctx_ != nullptr) ctx_->TryCancel();
    }
    if (thread_.joinable()) thread_.join();
  }

  void Run(api::SessionService::Stub& stub, const std::string& api_key,
           const std::string& session) {
    for (int resumed = 0;; ++resumed) {
      api::WatchSessionRequest req;
      req.set_session(session);
      grpc::ClientContext* ctx;
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
        req.set_resume_cursor(cursor_);
        ctx_ = Context(api_key, "", absl::Minutes(10));
        ctx = ctx_.get();
      }
      auto reader = stub.WatchSession(ctx, req);
      api::WatchSessionResponse event;
      while (reader->Read(&event)) Show(event);
      grpc::Status s = reader->Finish();
      absl::MutexLock lock(&mu_);
      if (s.error_code() == grpc::StatusCode::UNAVAILABLE && !stopping_ && resumed < 20) {
        std::printf("  [watch] stream broke (%s); resuming after cursor %lld\n",
                    s.error_message().c_str(), static_cast<long long>(cursor_));
        std::fflush(stdout);
        continue;
      }
      ended_ = true;
      status_ = s;
      return;
    }
  }

  // Waits (bounded) until the watch has shown every expected answer.
  bool AwaitComplete(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(
                                    +[](Watcher* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                      return w->complete_ || w->ended_;
                                    },
                                    this),
                                timeout) &&
           complete_;
  }
  // Waits (bounded) until the stream has ended (after the close).
  grpc::Status AwaitEnd(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&ended_), timeout);
    return ended_ ? status_ : grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "still open");
  }

 private:
  void Show(const api::WatchSessionResponse& e) {
    absl::MutexLock lock(&mu_);
    if (!e.has_snapshot() && !e.has_heartbeat() && e.cursor() <= cursor_) return;  // replayed
    cursor_ = std::max(cursor_, e.cursor());
    const api::SessionProgress* progress = nullptr;
    if (e.has_snapshot()) {
      progress = &e.snapshot().progress();
      std::printf("  [watch] snapshot: %s, %d participants\n",
                  api::SessionState_Name(e.snapshot().session().state()).c_str(),
                  e.snapshot().participants_size());
    } else if (e.has_item_distribution_changed()) {
      progress = &e.item_distribution_changed().progress();
    } else if (e.has_participant_completed()) {
      std::printf("  [watch] %s completed\n",
                  e.participant_completed().participant().display_name().c_str());
    } else if (e.has_session_state_changed()) {
      std::printf("  [watch] session is now %s\n",
                  api::SessionState_Name(e.session_state_changed().session().state()).c_str());
    }
    if (progress != nullptr && progress->has_overall()) {
      const int tenth = static_cast<int>(progress->overall().fraction() * 10 + 1e-9);
      if (tenth > shown_tenth_) {
        shown_tenth_ = tenth;
        std::string line = absl::StrCat("  [watch] answered ", Percent(progress->overall()));
        for (const api::GroupProgress& g : progress->groups()) {
          absl::StrAppend(&line, " | ", GroupName(g.group()), " ", Percent(g.progress()));
        }
        std::printf("%s\n", line.c_str());
      }
      if (progress->overall().expected_count() > 0 &&
          progress->overall().answered_count() >= progress->overall().expected_count()) {
        complete_ = true;
      }
    }
    std::fflush(stdout);
  }

  absl::Mutex mu_;
  std::unique_ptr<grpc::ClientContext> ctx_ ABSL_GUARDED_BY(mu_);
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int shown_tenth_ ABSL_GUARDED_BY(mu_) = -1;
  bool complete_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once the members above exist
};

int Run() {
  const std::string session_addr = absl::GetFlag(FLAGS_session_addr);
  const std::string questionnaire_addr = absl::GetFlag(FLAGS_questionnaire_addr);
  const std::string key = absl::GetFlag(FLAGS_api_key);
  const std::vector<std::string> orgs = absl::GetFlag(FLAGS_customer_organizations);
  if (session_addr.empty() || questionnaire_addr.empty() || key.empty() || orgs.empty()) {
    std::fprintf(stderr,
                 "assessment: needs --session_addr, --questionnaire_addr, --api_key (or "
                 "LAGOM_SESSION_ADDR, LAGOM_QUESTIONNAIRE_ADDR, LAGOM_API_KEY) and "
                 "--customer_organizations\n");
    return 2;
  }
  const std::string tenant = key.substr(4, key.find('.') - 4);  // lgm_<tenant>.<id>.<secret>
  // Channels as the services open them: replica lists, round_robin, retries on UNAVAILABLE.
  auto dial = [](const std::string& flag, const std::string& address) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        lagom::CreateServiceChannel(address, grpc::InsecureChannelCredentials());
    if (!channel.ok()) {
      std::fprintf(stderr, "assessment: --%s: %s\n", flag.c_str(),
                   std::string(channel.status().message()).c_str());
      std::exit(2);
    }
    return *std::move(channel);
  };
  auto sessions = api::SessionService::NewStub(dial("session_addr", session_addr));
  auto models = q::QuestionnaireService::NewStub(dial("questionnaire_addr", questionnaire_addr));

  q::GetModelVersionRequest get_model;
  get_model.set_name(absl::GetFlag(FLAGS_model_version));
  q::GetModelVersionResponse model;
  Check("GetModelVersion", models->GetModelVersion(Context(key).get(), get_model, &model));
  const q::ModelContent& content = model.model_version().content();

  // The facilitator sets the session up.
  api::CreateSessionRequest create;
  create.set_parent("tenants/" + tenant);
  create.set_session_id(absl::FormatTime("review-%Y%m%d-%H%M%S", absl::Now(), absl::UTCTimeZone()));
  create.mutable_session()->set_title(absl::GetFlag(FLAGS_title));
  create.mutable_session()->set_model_version(get_model.name());
  for (const std::string& s : absl::GetFlag(FLAGS_services)) {
    create.mutable_session()->mutable_scope()->add_services(s);
  }
  for (const std::string& o : orgs)
    create.mutable_session()->mutable_scope()->add_customer_organizations(o);
  api::CreateSessionResponse created;
  Check("CreateSession", sessions->CreateSession(Context(key).get(), create, &created));
  const std::string session = created.session().name();
  api::OpenSessionRequest open;
  open.set_name(session);
  api::OpenSessionResponse opened;
  Check("OpenSession", sessions->OpenSession(Context(key).get(), open, &opened));
  std::printf("session %s \"%s\" is OPEN on %s (%s)\n", session.c_str(),
              opened.session().title().c_str(), get_model.name().c_str(),
              opened.session().model_content_hash().substr(0, 19).c_str());

  // Participants and their invitations.
  std::mt19937_64 random(absl::GetFlag(FLAGS_seed));
  std::normal_distribution<double> bias(0, 0.07);
  const char* staff[] = {"Anna Berg", "Johan Lind", "Sara Ek",
                         "Erik Holm", "Maria Sjö",  "Per Dahl"};
  const char* customers[] = {"Karin Nord", "Lars Strand", "Eva Lund", "Olof Björk",
                             "Ida Falk",   "Nils Å",      "Lena Vik", "Anders Moberg"};
  std::vector<Person> people;
  for (int i = 0; i < absl::GetFlag(FLAGS_provider_staff); ++i) {
    people.push_back(
        Person{staff[i % 6], api::PARTICIPANT_PERSPECTIVE_PROVIDER, "", "", "", bias(random)});
  }
  int c = 0;
  for (const std::string& org : orgs) {
    for (int i = 0; i < absl::GetFlag(FLAGS_customers_per_organization); ++i) {
      people.push_back(Person{customers[c++ % 8], api::PARTICIPANT_PERSPECTIVE_CUSTOMER, org, "",
                              "", bias(random)});
    }
  }
  for (size_t i = 0; i < people.size(); ++i) {
    Person& p = people[i];
    api::CreateParticipantRequest add;
    add.set_parent(session);
    add.set_participant_id(absl::StrCat(
        p.perspective == api::PARTICIPANT_PERSPECTIVE_PROVIDER ? "staff-" : "customer-", i + 1));
    add.mutable_participant()->set_display_name(p.display_name);
    add.mutable_participant()->set_perspective(p.perspective);
    add.mutable_participant()->set_customer_organization(p.organization);
    api::CreateParticipantResponse added;
    Check("CreateParticipant", sessions->CreateParticipant(Context(key).get(), add, &added));
    p.participant = added.participant().name();
    api::CreateInvitationRequest invite;
    invite.set_parent(session);
    invite.mutable_invitation()->set_participant(p.participant);
    api::CreateInvitationResponse invited;
    Check("CreateInvitation", sessions->CreateInvitation(Context(key).get(), invite, &invited));
    p.token = invited.token();
  }
  std::printf(
      "invited %zu participants: %d provider staff, %zu customer organisations × %d "
      "respondents (each an invite token)\n",
      people.size(), absl::GetFlag(FLAGS_provider_staff), orgs.size(),
      absl::GetFlag(FLAGS_customers_per_organization));

  // Everyone answers at once while the facilitator watches.
  const Opinions opinions = Simulate(content, orgs, random);
  Watcher watch(*sessions, key, session);
  std::atomic<int> answered{0}, failed{0};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < people.size(); ++i) {
    threads.emplace_back([&, i, seed = random()] {
      const Person& p = people[i];
      std::mt19937_64 rng(seed);
      // Request ids are unique per call, whatever the seed: the tenant keeps them.
      std::mt19937_64 ids(std::random_device{}());
      std::normal_distribution<double> noise(0, 0.1);
      std::uniform_real_distribution<double> unit(0, 1);
      std::vector<std::pair<const q::Area*, const q::Item*>> todo;
      for (const q::Area& area : content.areas()) {
        for (const q::Item& item : area.items()) {
          if (Answers(item, p.perspective)) todo.emplace_back(&area, &item);
        }
      }
      std::shuffle(todo.begin(), todo.end(), rng);
      for (const auto& [area, item] : todo) {
        const double level = (p.perspective == api::PARTICIPANT_PERSPECTIVE_PROVIDER
                                  ? opinions.provider.at(area->id())
                                  : opinions.customer.at(p.organization).at(area->id())) +
                             p.bias + noise(rng);
        api::SubmitAnswerRequest req;
        req.set_parent(p.participant);
        req.set_request_id(absl::StrFormat("%08x-0000-4000-8000-%012x", ids() & 0xffffffff,
                                           ids() & 0xffffffffffff));
        api::Answer& a = *req.mutable_answer();
        a.set_item_id(item->id());
        if (item->na_allowed() && unit(rng) < 0.04) {
          a.set_not_applicable(true);
        } else {
          a.set_value(OnScale(*item, level));
        }
        if (item->servqual_aspect() == q::SERVQUAL_ASPECT_BOTH) {
          a.set_expectation_value(OnScale(*item, level + 0.2));  // expected more than got
        }
        api::SubmitAnswerResponse resp;
        grpc::Status s = sessions->SubmitAnswer(Context(key, p.token).get(), req, &resp);
        if (!s.ok()) {
          ++failed;
          std::fprintf(stderr, "assessment: %s's answer to %s refused: %s\n",
                       p.display_name.c_str(), item->id().c_str(), s.error_message().c_str());
          continue;
        }
        ++answered;
        absl::SleepFor(absl::Milliseconds(5));
      }
      api::CompleteParticipantRequest done;
      done.set_name(p.participant);
      api::CompleteParticipantResponse completed;
      grpc::Status s = sessions->CompleteParticipant(Context(key, p.token).get(), done, &completed);
      if (!s.ok()) {
        ++failed;
        std::fprintf(stderr, "assessment: %s could not complete: %s\n", p.display_name.c_str(),
                     s.error_message().c_str());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (failed > 0) {
    std::fprintf(stderr, "assessment: %d calls failed\n", failed.load());
    return 1;
  }
  if (!watch.AwaitComplete(absl::Seconds(30))) {
    std::fprintf(stderr, "assessment: the live watch did not reach every answer\n");
    return 1;
  }

  api::GetSessionProgressRequest get_progress;
  get_progress.set_session(session);
  api::GetSessionProgressResponse progress;
  Check("GetSessionProgress",
        sessions->GetSessionProgress(Context(key).get(), get_progress, &progress));
  std::printf("%d answers given; progress %s\n", answered.load(),
              Percent(progress.progress().overall()).c_str());

  api::CloseSessionRequest close;
  close.set_name(session);
  api::CloseSessionResponse closed;
  Check("CloseSession", sessions->CloseSession(Context(key).get(), close, &closed));
  grpc::Status ended = watch.AwaitEnd(absl::Seconds(20));
  if (!ended.ok()) Die("the facilitator's watch", ended);
  api::ListAnswersRequest list;
  list.set_parent(session + "/participants/-");
  list.set_page_size(1000);
  size_t recorded = 0;
  do {
    api::ListAnswersResponse page;
    Check("ListAnswers", sessions->ListAnswers(Context(key).get(), list, &page));
    recorded += page.answers_size();
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  std::printf("closed: %zu answers in the record; session.closed is in the outbox for scoring\n",
              recorded);
  if (recorded != static_cast<size_t>(answered.load())) {
    std::fprintf(stderr, "assessment: %d answers acknowledged but %zu recorded\n", answered.load(),
                 recorded);
    return 1;
  }
  if (const std::string dir = absl::GetFlag(FLAGS_report_dir); !dir.empty()) {
    ReportOptions options{.api_key = key,
                          .session = session,
                          .directory = dir,
                          .language = absl::GetFlag(FLAGS_report_language),
                          .organization = orgs.front()};
    absl::StatusOr<std::string> report =
        WriteReport(dial("reporting_addr", absl::GetFlag(FLAGS_reporting_addr)), options);
    if (!report.ok()) {
      std::fprintf(stderr, "assessment: %s\n", std::string(report.status().message()).c_str());
      return 1;
    }
  }
  std::printf("%s\n", session.c_str());
  return 0;
}

}  // namespace
}  // namespace lagom::assessment

int main(int argc, char** argv) {
  // Every flag may also come from LAGOM_<NAME> in the environment (stack.env has the addresses).
  lagom::ParseCommandLineOrDie(argc, argv,
                               "assessment: one collaborative assessment on a running stack");
  return lagom::assessment::Run();
}
