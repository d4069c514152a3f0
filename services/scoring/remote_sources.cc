#include "services/scoring/remote_sources.h"

#include <google/protobuf/arena.h>
#include <grpcpp/client_context.h>

#include <algorithm>
#include <future>
#include <map>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/auth/forwarding.h"
#include "common/status.h"

namespace lagom::scoring {
namespace {

// Answers per ListAnswerValues page (the most it returns: some 300 kB of 30-byte answers).
constexpr int kAnswerPage = 10000;
// Frozen model versions kept by the questionnaire reader.
constexpr size_t kFrozenVersions = 256;
constexpr int kParticipantPage = 1000;

absl::Status NotConfigured(absl::string_view flag) {
  return Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
               absl::StrCat("this scoring process was started without --", flag));
}

// The answers of one run (one participant's, in its perspective and organisation) to items in
// scope as the scoring core takes them. Answer names, which only Explain shows, are made here as
// the session service names answers; anonymous sessions have none.
void AppendRun(const session_api::ParticipantAnswerValues& run, const session_api::Session& session,
               const absl::flat_hash_set<absl::string_view>& in_scope,
               std::vector<ScoringAnswer>* out) {
  const std::string prefix = session.anonymous() ? ""
                                                 : absl::StrCat(session.name(), "/participants/",
                                                                run.participant_id(), "/answers/");
  for (const session_api::AnswerValue& a : run.answers()) {
    if (!in_scope.contains(a.item_id())) continue;
    ScoringAnswer& answer = out->emplace_back();
    answer.respondent_id = run.participant_id();
    answer.perspective = run.perspective();
    answer.customer_organization = run.customer_organization();
    answer.item_id = a.item_id();
    if (a.response_case() == session_api::AnswerValue::kValue) answer.value = a.value();
    if (a.has_expectation_value()) answer.expectation_value = a.expectation_value();
    answer.round = a.round();
    if (!session.anonymous()) answer.answer_name = absl::StrCat(prefix, a.item_id());
  }
}

// A page of 10 000 answers is some 11 000 messages: parsed onto an arena they cost a few large
// allocations instead, and nothing to free one by one.
google::protobuf::ArenaOptions PageArena() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 64 << 10;
  options.max_block_size = 1 << 20;
  return options;
}

}  // namespace

RemoteSessionReader::RemoteSessionReader(std::shared_ptr<grpc::Channel> session,
                                         std::string service_token)
    : stub_(session ? session_api::SessionService::NewStub(session) : nullptr),
      service_token_(std::move(service_token)) {}

absl::StatusOr<session_api::Session> RemoteSessionReader::GetSession(const RequestContext& rc,
                                                                     const std::string& name) {
  if (!stub_) return NotConfigured("session_addr");
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  session_api::GetSessionRequest req;
  req.set_name(name);
  session_api::GetSessionResponse resp;
  const grpc::Status s = stub_->GetSession(&ctx, req, &resp);
  if (!s.ok()) return DownstreamError("session", absl::StrCat("reading ", name), s);
  return std::move(*resp.mutable_session());
}

absl::Status RemoteSessionReader::ReadAnswers(const RequestContext& rc,
                                              const session_api::Session& session,
                                              const std::vector<std::string>& item_ids,
                                              const AnswerPageSink& take) {
  if (!stub_) return NotConfigured("session_addr");
  // One pass over the whole session in ListAnswerValues pages, with the items out of scope
  // dropped here rather than by the session service: a session's answers are one range of
  // the journal's index, which PostgreSQL then reads once, whereas an item filter (or sets
  // of items read side by side) makes it fetch and reject rows of other items (1 000 × 90
  // answers: 60 against 105 ms of its CPU). The next page is asked for as soon as a page
  // arrives, so PostgreSQL and the session service build it while this one converts the
  // last.
  const absl::flat_hash_set<absl::string_view> in_scope(item_ids.begin(), item_ids.end());
  session_api::ListAnswerValuesRequest req;
  req.set_parent(session.name());
  req.set_page_size(kAnswerPage);
  // Destroyed before `req`: a pending read is waited for on every return (when `take` refuses
  // a page, that is the one page asked for ahead).
  std::future<AnswerPage> next =
      std::async(std::launch::deferred, [&] { return ReadPage(rc, req, ""); });
  while (true) {
    AnswerPage page = next.get();
    if (!page.status.ok()) {
      return DownstreamError("session", absl::StrCat("reading the answers of ", session.name()),
                             page.status);
    }
    const std::string& token = page.response->next_page_token();
    if (!token.empty()) {
      next = std::async(std::launch::async, [&, token] { return ReadPage(rc, req, token); });
    }
    // Pages come ordered by participant, the order the scoring core is fastest in.
    std::vector<ScoringAnswer> answers;
    answers.reserve(kAnswerPage);
    for (const session_api::ParticipantAnswerValues& run : page.response->participants()) {
      AppendRun(run, session, in_scope, &answers);
    }
    if (absl::Status taken = take(std::move(answers)); !taken.ok()) return taken;
    if (token.empty()) return absl::OkStatus();
  }
}

RemoteSessionReader::AnswerPage RemoteSessionReader::ReadPage(
    const RequestContext& rc, const session_api::ListAnswerValuesRequest& req,
    const std::string& page_token) {
  session_api::ListAnswerValuesRequest request = req;
  request.set_page_token(page_token);
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  AnswerPage page;
  page.arena = std::make_unique<google::protobuf::Arena>(PageArena());
  page.response = google::protobuf::Arena::CreateMessage<session_api::ListAnswerValuesResponse>(
      page.arena.get());
  page.status = stub_->ListAnswerValues(&ctx, request, page.response);
  return page;
}

absl::StatusOr<std::vector<sapi::ExpectedRespondents>> RemoteSessionReader::CountInvited(
    const RequestContext& rc, const std::string& session) {
  if (!stub_) return NotConfigured("session_addr");
  session_api::ListParticipantsRequest req;
  req.set_parent(session);
  req.set_page_size(kParticipantPage);
  int provider = 0, customers = 0;
  std::map<std::string, int> per_organization;
  do {
    grpc::ClientContext ctx;
    auth::ForwardCaller(rc, service_token_, &ctx);
    session_api::ListParticipantsResponse resp;
    const grpc::Status s = stub_->ListParticipants(&ctx, req, &resp);
    if (!s.ok())
      return DownstreamError("session", absl::StrCat("reading the participants of ", session), s);
    for (const session_api::Participant& p : resp.participants()) {
      if (p.perspective() == session_api::PARTICIPANT_PERSPECTIVE_PROVIDER) ++provider;
      if (p.perspective() != session_api::PARTICIPANT_PERSPECTIVE_CUSTOMER) continue;
      ++customers;
      if (!p.customer_organization().empty()) ++per_organization[p.customer_organization()];
    }
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());

  std::vector<sapi::ExpectedRespondents> out;
  auto add = [&](type::ResponseGroupKind kind, const std::string& organization, int count) {
    sapi::ExpectedRespondents& e = out.emplace_back();
    e.mutable_group()->set_kind(kind);
    e.mutable_group()->set_customer_organization(organization);
    e.set_invited_count(count);
  };
  add(type::RESPONSE_GROUP_KIND_PROVIDER, "", provider);
  add(type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS, "", customers);
  for (const auto& [organization, count] : per_organization) {
    add(type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION, organization, count);
  }
  return out;
}

RemoteQuestionnaireReader::RemoteQuestionnaireReader(std::shared_ptr<grpc::Channel> questionnaire,
                                                     std::string service_token)
    : models_(qapi::QuestionnaireService::NewStub(questionnaire)),
      tenants_(tenancy::v1::TenantService::NewStub(questionnaire)),
      service_token_(std::move(service_token)) {}

absl::StatusOr<qapi::ModelVersion> RemoteQuestionnaireReader::GetModelVersion(
    const RequestContext& rc, const std::string& name) {
  const std::pair<std::string, std::string> key(rc.tenant_id, name);
  {
    absl::MutexLock lock(&mu_);
    if (auto it = frozen_.find(key); it != frozen_.end()) return it->second;
  }
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  qapi::GetModelVersionRequest req;
  req.set_name(name);
  qapi::GetModelVersionResponse resp;
  const grpc::Status s = models_->GetModelVersion(&ctx, req, &resp);
  if (!s.ok()) return DownstreamError("questionnaire", absl::StrCat("reading ", name), s);
  const qapi::ModelVersionState state = resp.model_version().state();
  if (state == qapi::MODEL_VERSION_STATE_PUBLISHED ||
      state == qapi::MODEL_VERSION_STATE_DEPRECATED) {
    absl::MutexLock lock(&mu_);
    // Bounded: a model version is up to a megabyte; the versions in use are few per tenant.
    if (frozen_.size() >= kFrozenVersions) frozen_.clear();
    frozen_.emplace(key, resp.model_version());
  }
  return std::move(*resp.mutable_model_version());
}

absl::StatusOr<int> RemoteQuestionnaireReader::MinRespondents(const RequestContext& rc) {
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  tenancy::v1::GetTenantSettingsRequest req;
  req.set_name(absl::StrCat("tenants/", rc.tenant_id, "/settings"));
  tenancy::v1::GetTenantSettingsResponse resp;
  const grpc::Status s = tenants_->GetTenantSettings(&ctx, req, &resp);
  if (!s.ok()) return DownstreamError("questionnaire", "reading the tenant's settings", s);
  return resp.settings().min_respondents_per_group();
}

RemoteScorecardRecorder::RemoteScorecardRecorder(std::shared_ptr<grpc::Channel> reporting,
                                                 std::string service_token)
    : stub_(reporting ? reporting::v1::ReportingService::NewStub(reporting) : nullptr),
      service_token_(std::move(service_token)) {}

absl::StatusOr<sapi::Scorecard> RemoteScorecardRecorder::Record(const RequestContext& rc,
                                                                const sapi::Scorecard& scorecard,
                                                                const std::string& request_id) {
  if (!stub_) return NotConfigured("reporting_addr");
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  reporting::v1::RecordScorecardRequest req;
  req.set_parent(absl::StrCat("tenants/", rc.tenant_id));
  *req.mutable_scorecard() = scorecard;
  req.set_request_id(request_id);
  reporting::v1::RecordScorecardResponse resp;
  const grpc::Status s = stub_->RecordScorecard(&ctx, req, &resp);
  if (!s.ok()) return DownstreamError("reporting", "recording the scorecard", s);
  return std::move(*resp.mutable_scorecard());
}

absl::StatusOr<sapi::Scorecard> RemoteScorecardRecorder::Get(const RequestContext& rc,
                                                             const std::string& name) {
  if (!stub_) return NotConfigured("reporting_addr");
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  reporting::v1::GetScorecardRequest req;
  req.set_name(name);
  reporting::v1::GetScorecardResponse resp;
  const grpc::Status s = stub_->GetScorecard(&ctx, req, &resp);
  if (!s.ok()) return DownstreamError("reporting", absl::StrCat("reading ", name), s);
  return std::move(*resp.mutable_scorecard());
}

}  // namespace lagom::scoring
