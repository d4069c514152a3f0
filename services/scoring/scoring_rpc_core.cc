#include "services/scoring/scoring_rpc_core.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/resource_util.h"
#include "services/questionnaire/model/validation.h"
#include "services/scoring/core/explain.h"
#include "services/scoring/core/scoring_core.h"
#include "services/scoring/core/scoring_model.h"

namespace lagom::scoring {
namespace {

constexpr char kSessionNoun[] = "session";

// Every model the questionnaire publishes can be scored: its weight bound is scoring's.
static_assert(questionnaire::kMaxItemWeight == kMaxItemWeight);
static_assert(questionnaire::kMinItemWeight == kMinItemWeight);

bool Scorable(session_api::SessionState state) {
  return state == session_api::SESSION_STATE_OPEN || state == session_api::SESSION_STATE_CLOSED ||
         state == session_api::SESSION_STATE_ARCHIVED;
}

bool Final(session_api::SessionState state) {
  return state == session_api::SESSION_STATE_CLOSED || state == session_api::SESSION_STATE_ARCHIVED;
}

std::string StateOf(const session_api::Session& s) {
  return std::string(
      absl::StripPrefix(session_api::SessionState_Name(s.state()), "SESSION_STATE_"));
}

absl::Status NotScorable(const session_api::Session& s, absl::string_view what) {
  return Error(absl::StatusCode::kFailedPrecondition, "STATE_CONFLICT",
               absl::StrCat("session ", s.name(), " is ", StateOf(s), "; ", what));
}

// The session's identity of the tenant: scorecards are recorded by the scoring service acting
// for the tenant, whoever asked for the score (reporting accepts them only from services).
RequestContext AsScoringService(const RequestContext& rc) {
  RequestContext service = rc;
  service.principal.Clear();
  service.principal.set_tenant_id(rc.tenant_id);
  service.principal.set_subject("lagom-scoring");
  service.principal.set_role(auth::v1::PRINCIPAL_ROLE_SERVICE);
  service.principal.set_credential_kind(auth::v1::CREDENTIAL_KIND_SERVICE);
  return service;
}

// The ids of the items of the areas in the session's scope (every area when it names none).
std::vector<std::string> ItemsInScope(const qapi::ModelContent& model,
                                      const session_api::Session& session) {
  const auto& scope = session.scope().area_ids();
  std::vector<std::string> out;
  for (const qapi::Area& area : model.areas()) {
    if (!scope.empty() && std::find(scope.begin(), scope.end(), area.id()) == scope.end()) {
      continue;
    }
    for (const qapi::Item& item : area.items()) out.push_back(item.id());
  }
  return out;
}

// The sizes of a ScoreResponses request, before anything else is looked at: past them one
// call would take the memory, or the time, of the whole service. Each violation names the
// field and the limit; a respondent or organisation past its limit is named by the first
// answer that brings it.
void CheckSizes(const sapi::ScoreResponsesRequest& req, Violations& v) {
  if (req.expected_respondents_size() > kMaxExpectedRespondents) {
    v.Add("expected_respondents",
          absl::StrCat(req.expected_respondents_size(), " entries; at most ",
                       kMaxExpectedRespondents, " (PROVIDER, ALL_CUSTOMERS and up to ",
                       kMaxSuppliedOrganizations, " organisations)"));
  }
  if (req.answers_size() > kMaxSuppliedAnswers) {
    v.Add("answers",
          absl::StrCat(req.answers_size(), " answers; at most ", kMaxSuppliedAnswers, " per call"));
    return;
  }
  absl::flat_hash_set<absl::string_view> respondents;
  absl::flat_hash_set<absl::string_view> organizations;
  bool too_many_respondents = false;
  bool too_many_organizations = false;
  for (int i = 0; i < req.answers_size(); ++i) {
    const sapi::SuppliedAnswer& a = req.answers(i);
    if (!too_many_respondents && respondents.insert(a.respondent_id()).second &&
        respondents.size() > kMaxSuppliedRespondents) {
      too_many_respondents = true;
      v.Add(absl::StrCat("answers[", i, "].respondent_id"),
            absl::StrCat("respondent ", respondents.size(), " of the call; at most ",
                         kMaxSuppliedRespondents, " distinct respondent ids per call"));
    }
    if (!too_many_organizations && !a.customer_organization().empty() &&
        organizations.insert(a.customer_organization()).second &&
        organizations.size() > kMaxSuppliedOrganizations) {
      too_many_organizations = true;
      v.Add(absl::StrCat("answers[", i, "].customer_organization"),
            absl::StrCat("organisation ", organizations.size(), " of the call; at most ",
                         kMaxSuppliedOrganizations, " distinct customer organisations per call"));
    }
  }
}

// A session too large for one scoring: FAILED_PRECONDITION, which retrying cannot change (so
// the session service's relay settles the close event with this note instead of retrying).
absl::Status TooLargeToScore(absl::string_view session, absl::string_view what, int limit,
                             absl::string_view unit) {
  return Error(absl::StatusCode::kFailedPrecondition, "SESSION_TOO_LARGE",
               absl::StrCat("session ", session, " has ", what, "; a session is scored from ",
                            "at most ", limit, " ", unit, " (the limits of ScoreResponses)"));
}

// A session's answers, taken page by page as they are read: refused as soon as they pass what
// one ScoreResponses call takes (the same scoring, the same memory), so a session too large
// to score is never read, nor held, whole.
class SessionAnswers {
 public:
  explicit SessionAnswers(absl::string_view session) : session_(session) {}

  absl::Status Take(std::vector<ScoringAnswer> page) {
    count_ += page.size();
    if (count_ > kMaxSuppliedAnswers) {
      return TooLargeToScore(
          session_,
          absl::StrCat("more than ", kMaxSuppliedAnswers, " answers to the items in scope"),
          kMaxSuppliedAnswers, "answers");
    }
    for (const ScoringAnswer& a : page) {
      if (respondents_.insert(a.respondent_id).second &&
          respondents_.size() > kMaxSuppliedRespondents) {
        return TooLargeToScore(
            session_,
            absl::StrCat("answers from more than ", kMaxSuppliedRespondents, " participants"),
            kMaxSuppliedRespondents, "respondents");
      }
      if (!a.customer_organization.empty() &&
          organizations_.insert(a.customer_organization).second &&
          organizations_.size() > kMaxSuppliedOrganizations) {
        return TooLargeToScore(session_,
                               absl::StrCat("answers from more than ", kMaxSuppliedOrganizations,
                                            " customer organisations"),
                               kMaxSuppliedOrganizations, "customer organisations");
      }
    }
    pages_.push_back(std::move(page));
    return absl::OkStatus();
  }

  // Each answer is moved once, into a vector allocated once: 90 000 answers are some 15 MB,
  // which a growing vector would copy and fault in several times over.
  std::vector<ScoringAnswer> All() && {
    std::vector<ScoringAnswer> out;
    out.reserve(count_);
    for (std::vector<ScoringAnswer>& page : pages_) {
      std::move(page.begin(), page.end(), std::back_inserter(out));
      page = {};
    }
    return out;
  }

 private:
  const std::string session_;
  size_t count_ = 0;
  absl::flat_hash_set<std::string> respondents_;
  absl::flat_hash_set<std::string> organizations_;
  std::vector<std::vector<ScoringAnswer>> pages_;
};

// The invited per group are ScoreResponses' expected_respondents: a group per organisation.
absl::Status CheckInvitedGroups(absl::string_view session,
                                const std::vector<sapi::ExpectedRespondents>& invited) {
  const auto organizations =
      std::count_if(invited.begin(), invited.end(), [](const sapi::ExpectedRespondents& e) {
        return e.group().kind() == type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION;
      });
  if (organizations <= kMaxSuppliedOrganizations) return absl::OkStatus();
  return TooLargeToScore(session,
                         absl::StrCat("participants of ", organizations, " customer organisations"),
                         kMaxSuppliedOrganizations, "customer organisations");
}

// SuppliedAnswer → ScoringAnswer; shape problems name answers[i]. What the model says about the
// values (unknown items, off-scale values) the scoring core checks.
std::vector<ScoringAnswer> ToScoringAnswers(const sapi::ScoreResponsesRequest& req, Violations& v) {
  std::vector<ScoringAnswer> out;
  out.reserve(req.answers_size());
  for (int i = 0; i < req.answers_size(); ++i) {
    const sapi::SuppliedAnswer& a = req.answers(i);
    ScoringAnswer answer{.respondent_id = a.respondent_id(),
                         .perspective = a.perspective(),
                         .customer_organization = a.customer_organization(),
                         .item_id = a.item_id()};
    const std::string path = absl::StrCat("answers[", i, "]");
    switch (a.response_case()) {
      case sapi::SuppliedAnswer::kValue:
        answer.value = a.value();
        break;
      case sapi::SuppliedAnswer::kNotApplicable:
        if (!a.not_applicable()) v.Add(path + ".not_applicable", "must be true when set");
        break;
      case sapi::SuppliedAnswer::RESPONSE_NOT_SET:
        v.Add(path, "set value or not_applicable");
        break;
    }
    if (a.has_expectation_value()) answer.expectation_value = a.expectation_value();
    out.push_back(std::move(answer));
  }
  return out;
}

}  // namespace

absl::StatusOr<ScoringOptions> ScoringRpcCore::Options(const RequestContext& rc) {
  absl::StatusOr<int> min_respondents = models_.MinRespondents(rc);
  if (!min_respondents.ok()) return min_respondents.status();
  ScoringOptions options;
  if (*min_respondents > 0) options.min_respondents = *min_respondents;
  return options;
}

absl::StatusOr<ScoringRpcCore::SessionInput> ScoringRpcCore::ReadSession(const RequestContext& rc,
                                                                         const std::string& name,
                                                                         const std::string& field) {
  Violations v;
  absl::StatusOr<std::string> id = TenantResourceId(rc, name, field, "sessions", kSessionNoun, v);
  if (!id.ok()) return id.status();
  if (!v.empty()) return std::move(v).ToStatus("invalid session");

  SessionInput out;
  absl::StatusOr<session_api::Session> session = sessions_.GetSession(rc, name);
  if (!session.ok()) return session.status();
  out.session = *std::move(session);
  if (!Scorable(out.session.state())) {
    return NotScorable(out.session, "it can be scored once it is open and has answers");
  }
  // Who was invited and the tenant's thresholds do not depend on the answers: they are read
  // while the answers are (a large session's answers take most of the call); their errors
  // still come after those of the model and the answers. side_reads joins on every return.
  absl::StatusOr<std::vector<sapi::ExpectedRespondents>> invited;
  absl::StatusOr<ScoringOptions> options;
  std::jthread side_reads([&] {
    invited = sessions_.CountInvited(rc, name);
    options = Options(rc);
  });
  absl::StatusOr<qapi::ModelVersion> model =
      models_.GetModelVersion(rc, out.session.model_version());
  if (!model.ok()) return model.status();
  if (model->content_hash() != out.session.model_content_hash()) {
    return Error(absl::StatusCode::kFailedPrecondition, "MODEL_CHANGED",
                 absl::StrCat("model version ", out.session.model_version(), " has content ",
                              model->content_hash(), " but session ", name, " pinned ",
                              out.session.model_content_hash()));
  }
  SessionAnswers answers(name);
  if (absl::Status read = sessions_.ReadAnswers(
          rc, out.session, ItemsInScope(model->content(), out.session),
          [&](std::vector<ScoringAnswer> page) { return answers.Take(std::move(page)); });
      !read.ok()) {
    return read;
  }
  ScoringInput& input = out.input;
  input.answers = std::move(answers).All();
  if (input.answers.empty()) {
    return Error(absl::StatusCode::kFailedPrecondition, "NO_ANSWERS",
                 absl::StrCat("session ", name, " has no answers to score yet"));
  }
  side_reads.join();
  if (!invited.ok()) return invited.status();
  if (absl::Status s = CheckInvitedGroups(name, *invited); !s.ok()) return s;
  if (!options.ok()) return options.status();

  input.model = std::move(*model->mutable_content());
  input.model_version = out.session.model_version();
  input.model_content_hash = out.session.model_content_hash();
  input.area_ids.assign(out.session.scope().area_ids().begin(),
                        out.session.scope().area_ids().end());
  input.targets.assign(out.session.effective_targets().begin(),
                       out.session.effective_targets().end());
  input.expected_respondents = *std::move(invited);
  input.options = *options;
  return out;
}

absl::Status ScoringRpcCore::ScoreSession(const RequestContext& rc,
                                          const sapi::ScoreSessionRequest& req,
                                          sapi::ScoreSessionResponse* resp) {
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid ScoreSession request");
  absl::StatusOr<SessionInput> read = ReadSession(rc, req.session(), "session");
  if (!read.ok()) return read.status();
  const session_api::Session& session = read->session;
  const bool record = Final(session.state()) && !req.preview();
  if (!Final(session.state()) && !req.preview()) {
    return NotScorable(session,
                       "set preview to score it without recording, or close it to record its "
                       "scorecard");
  }
  absl::StatusOr<sapi::Scorecard> scorecard = Score(read->input);
  if (!scorecard.ok()) return scorecard.status();
  scorecard->set_session(session.name());
  // A title stored before titles refused control characters must not keep the scorecard from
  // being recorded: reporting refuses them.
  scorecard->set_title(WithoutControlCharacters(session.title()));
  *scorecard->mutable_services() = session.scope().services();
  // Whether the scorecard is recorded: an OPEN session, or a CLOSED one scored with preview,
  // returns figures nobody can look up again.
  scorecard->set_preview(!record);
  if (session.has_close_time()) *scorecard->mutable_session_close_time() = session.close_time();
  *scorecard->mutable_score_time() = ToProto(now_());
  if (!record) {
    *resp->mutable_scorecard() = *std::move(scorecard);
    return absl::OkStatus();
  }
  // One scorecard per session: reporting returns the one recorded first to every later call,
  // so a retry (or a second close event) needs no request_id, and must not send one: its
  // score_time differs, which reporting would take for another request under the same id.
  absl::StatusOr<sapi::Scorecard> recorded =
      scorecards_.Record(AsScoringService(rc), *scorecard, /*request_id=*/"");
  if (!recorded.ok()) return recorded.status();
  *resp->mutable_scorecard() = *std::move(recorded);
  return absl::OkStatus();
}

absl::Status ScoringRpcCore::ScoreResponses(const RequestContext& rc,
                                            const sapi::ScoreResponsesRequest& req,
                                            sapi::ScoreResponsesResponse* resp) {
  Violations v;
  absl::StatusOr<std::string> tenant =
      TenantResourceId(rc, req.parent(), "parent", "", "tenant", v);
  if (!tenant.ok()) return tenant.status();
  CheckSizes(req, v);
  if (!v.empty()) return std::move(v).ToStatus("invalid ScoreResponses request");
  ScoringInput input;
  input.answers = ToScoringAnswers(req, v);
  switch (req.model_case()) {
    case sapi::ScoreResponsesRequest::kInlineModelVersion:
      for (FieldViolation& f : questionnaire::ValidateModelContent(
               req.inline_model_version().content(), "inline_model_version.content")) {
        v.Add(std::move(f.field), std::move(f.description));
      }
      input.model = req.inline_model_version().content();
      input.model_content_hash = questionnaire::ContentHash(input.model);
      break;
    case sapi::ScoreResponsesRequest::kModelVersion:
      if (req.model_version().empty()) v.Add("model_version", "must not be empty");
      break;
    case sapi::ScoreResponsesRequest::MODEL_NOT_SET:
      v.Add("model", "required: set model_version or inline_model_version");
      break;
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid ScoreResponses request");
  if (req.model_case() == sapi::ScoreResponsesRequest::kModelVersion) {
    absl::StatusOr<qapi::ModelVersion> model = models_.GetModelVersion(rc, req.model_version());
    if (!model.ok()) return model.status();
    input.model = std::move(*model->mutable_content());
    input.model_version = req.model_version();
    input.model_content_hash = model->content_hash();
  }
  input.area_ids.assign(req.area_ids().begin(), req.area_ids().end());
  input.targets.assign(req.targets().begin(), req.targets().end());
  input.expected_respondents.assign(req.expected_respondents().begin(),
                                    req.expected_respondents().end());
  absl::StatusOr<ScoringOptions> options = Options(rc);
  if (!options.ok()) return options.status();
  input.options = *options;
  absl::StatusOr<sapi::Scorecard> scorecard = Score(input);
  if (!scorecard.ok()) return scorecard.status();
  *scorecard->mutable_score_time() = ToProto(now_());
  *resp->mutable_scorecard() = *std::move(scorecard);
  return absl::OkStatus();
}

absl::Status ScoringRpcCore::ExplainScore(const RequestContext& rc,
                                          const sapi::ExplainScoreRequest& req,
                                          sapi::ExplainScoreResponse* resp) {
  Violations v;
  absl::StatusOr<std::string> tenant =
      TenantResourceId(rc, req.parent(), "parent", "", "tenant", v);
  if (!tenant.ok()) return tenant.status();
  if (!req.has_figure()) v.Add("figure", "required: the figure to explain");
  if (req.subject_case() == sapi::ExplainScoreRequest::SUBJECT_NOT_SET) {
    v.Add("subject", "required: set scorecard or session");
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid ExplainScore request");

  std::string session_name = req.session();
  std::string session_field = "session";
  // A recorded scorecard is explained with the thresholds it was scored with, not the
  // tenant's current ones (a later change of min_respondents_per_group would otherwise
  // explain figures the scorecard does not hold).
  std::optional<int> recorded_min_respondents;
  if (req.subject_case() == sapi::ExplainScoreRequest::kScorecard) {
    absl::StatusOr<std::string> id =
        TenantResourceId(rc, req.scorecard(), "scorecard", "scorecards", "scorecard", v);
    if (!id.ok()) return id.status();
    if (!v.empty()) return std::move(v).ToStatus("invalid ExplainScore request");
    absl::StatusOr<sapi::Scorecard> scorecard = scorecards_.Get(rc, req.scorecard());
    if (!scorecard.ok()) return scorecard.status();
    session_name = scorecard->session();
    session_field = "scorecard";
    if (scorecard->coverage().min_respondents() > 0) {
      recorded_min_respondents = scorecard->coverage().min_respondents();
    }
  }
  // A recorded scorecard's session is closed, so its answers are the ones it was scored from.
  absl::StatusOr<SessionInput> read = ReadSession(rc, session_name, session_field);
  if (!read.ok()) return read.status();
  if (recorded_min_respondents) read->input.options.min_respondents = *recorded_min_respondents;
  absl::StatusOr<sapi::Explanation> explanation = Explain(read->input, req.figure());
  if (!explanation.ok()) return explanation.status();
  *resp->mutable_explanation() = *std::move(explanation);
  return absl::OkStatus();
}

}  // namespace lagom::scoring
