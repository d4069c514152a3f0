#include "services/scoring/remote_sources.h"

#include <google/protobuf/arena.h>
#include <grpcpp/client_context.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/auth/forwarding.h"
#include "common/status.h"

namespace lagom::scoring {
namespace {

constexpr int kAnswerPage = 5000;
// Items per concurrent ListAnswers chain, and at most this many chains per session. Each
// chain's pages are an index scan over the whole session that skips the other chains' items,
// so each chain costs PostgreSQL nearly as much as one reading everything. Two overlap the
// work of PostgreSQL and both services as well as four (1 000 × 90 answers on two cores:
// 155-165 ms against 165-170 ms) with 30 % less work for PostgreSQL.
constexpr size_t kItemsPerRead = 20;
constexpr size_t kParallelReads = 2;
// Frozen model versions kept by the questionnaire reader.
constexpr size_t kFrozenVersions = 256;
constexpr int kParticipantPage = 1000;

// The other service's verdict as the scoring caller should see it: what is about the caller's
// request (not found, not allowed, wrong state, out of time) passes through with its details;
// anything else means that service could not help, which is not the caller's doing.
absl::Status Downstream(absl::string_view service, absl::string_view what, const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return FromGrpcStatus(s);
    default:
      return Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
                   absl::StrCat(what, " failed at the ", service, " service: ", s.error_message()));
  }
}

absl::Status NotConfigured(absl::string_view flag) {
  return Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
               absl::StrCat("this scoring process was started without --", flag));
}

// `tenants/{t}/sessions/{s}/participants/{p}/answers/{item}` → p.
std::string ParticipantOf(const std::string& answer_name) {
  const size_t end = answer_name.rfind("/answers/");
  const size_t start = answer_name.rfind('/', end == std::string::npos ? 0 : end - 1);
  if (end == std::string::npos || start == std::string::npos) return answer_name;
  return answer_name.substr(start + 1, end - start - 1);
}

ScoringAnswer ToScoringAnswer(const session_api::Answer& a, bool anonymous) {
  ScoringAnswer out{.respondent_id = ParticipantOf(a.name()),
                    .perspective = a.perspective(),
                    .customer_organization = a.customer_organization(),
                    .item_id = a.item_id()};
  if (a.response_case() == session_api::Answer::kValue) out.value = a.value();
  if (a.has_expectation_value()) out.expectation_value = a.expectation_value();
  out.round = a.round();
  if (!anonymous) out.answer_name = a.name();
  return out;
}

// A page of 5 000 answers is some 30 000 objects (messages, strings): parsed onto an arena
// they cost a few large allocations instead, and nothing to free one by one.
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
  if (!s.ok()) return Downstream("session", absl::StrCat("reading ", name), s);
  return std::move(*resp.mutable_session());
}

absl::StatusOr<std::vector<ScoringAnswer>> RemoteSessionReader::ReadAnswers(
    const RequestContext& rc, const session_api::Session& session,
    const std::vector<std::string>& item_ids) {
  if (!stub_) return NotConfigured("session_addr");
  // A large session is read as several sets of items at once: each set's pages follow one
  // another, and the sets overlap the work of PostgreSQL, the session service and this one.
  const size_t parts = std::clamp<size_t>(item_ids.size() / kItemsPerRead, 1, kParallelReads);
  std::vector<std::vector<std::string>> sets(parts);
  for (size_t i = 0; i < item_ids.size(); ++i) sets[i % parts].push_back(item_ids[i]);
  std::vector<AnswerPages> pages(parts);
  std::vector<absl::Status> results(parts);
  {
    std::vector<std::thread> readers;
    for (size_t p = 1; p < parts; ++p) {
      readers.emplace_back([&, p] { results[p] = ReadItems(rc, session, sets[p], &pages[p]); });
    }
    results[0] = ReadItems(rc, session, sets[0], &pages[0]);
    for (std::thread& reader : readers) reader.join();
  }
  for (const absl::Status& result : results) {
    if (!result.ok()) return result;
  }
  // Each answer is moved once, into a vector allocated once: 90 000 answers are some 15 MB,
  // which growing vectors would copy and fault in several times over.
  size_t total = 0;
  for (const AnswerPages& chain : pages) {
    for (const std::vector<ScoringAnswer>& page : chain) total += page.size();
  }
  std::vector<ScoringAnswer> out;
  out.reserve(total);
  for (AnswerPages& chain : pages) {
    for (std::vector<ScoringAnswer>& page : chain) {
      std::move(page.begin(), page.end(), std::back_inserter(out));
      page = {};
    }
  }
  return out;
}

absl::Status RemoteSessionReader::ReadItems(const RequestContext& rc,
                                            const session_api::Session& session,
                                            const std::vector<std::string>& item_ids,
                                            AnswerPages* pages) {
  session_api::ListAnswersRequest req;
  req.set_parent(absl::StrCat(session.name(), "/participants/-"));
  req.set_page_size(kAnswerPage);
  for (const std::string& id : item_ids) req.add_item_ids(id);
  do {
    grpc::ClientContext ctx;
    auth::ForwardCaller(rc, service_token_, &ctx);
    google::protobuf::Arena arena(PageArena());
    auto* resp = google::protobuf::Arena::CreateMessage<session_api::ListAnswersResponse>(&arena);
    const grpc::Status s = stub_->ListAnswers(&ctx, req, resp);
    if (!s.ok()) {
      return Downstream("session", absl::StrCat("reading the answers of ", session.name()), s);
    }
    // Pages come ordered by participant, the order the scoring core is fastest in.
    std::vector<ScoringAnswer>& page = pages->emplace_back();
    page.reserve(resp->answers_size());
    for (const session_api::Answer& a : resp->answers()) {
      page.push_back(ToScoringAnswer(a, session.anonymous()));
    }
    req.set_page_token(resp->next_page_token());
  } while (!req.page_token().empty());
  return absl::OkStatus();
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
      return Downstream("session", absl::StrCat("reading the participants of ", session), s);
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
  if (!s.ok()) return Downstream("questionnaire", absl::StrCat("reading ", name), s);
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
  if (!s.ok()) return Downstream("questionnaire", "reading the tenant's settings", s);
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
  if (!s.ok()) return Downstream("reporting", "recording the scorecard", s);
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
  if (!s.ok()) return Downstream("reporting", absl::StrCat("reading ", name), s);
  return std::move(*resp.mutable_scorecard());
}

}  // namespace lagom::scoring
