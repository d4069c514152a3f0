// The scoring service's RPCs: gathers a scoring input (a session's answers, model version,
// targets and invitations, or answers the caller supplies), runs the pure scoring core on it,
// and records the scorecard of a closed session through reporting. Stateless.
#ifndef LAGOM_SERVICES_SCORING_SCORING_RPC_CORE_H_
#define LAGOM_SERVICES_SCORING_SCORING_RPC_CORE_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/request_context.h"
#include "lagom/scoring/v1/scoring.pb.h"
#include "services/scoring/sources.h"

namespace lagom::scoring {

// The most one ScoreResponses call takes (the proto and docs/scoring.md state them). Scoring
// keeps, for every item in scope (up to 300), 52 bytes per response group and 4 bytes per
// respondent, so these keep one call to a few megabytes; the scorecard of a session at these
// limits is at most about 19 MB, within the messages services exchange (common/channel.h,
// ScorecardSizeTest). A small provider's assessment is a few dozen customer organisations
// and a few hundred respondents: the limits are ten times that, and ScoreSession's benchmark
// session (1,000 respondents × 90 items) fits them.
// ScoreSession and ExplainScore hold a session to the same limits (SESSION_TOO_LARGE).
inline constexpr int kMaxSuppliedAnswers = 100000;
inline constexpr int kMaxSuppliedRespondents = 5000;
inline constexpr int kMaxSuppliedOrganizations = 500;
// One entry per group: PROVIDER, ALL_CUSTOMERS and each organisation.
inline constexpr int kMaxExpectedRespondents = kMaxSuppliedOrganizations + 2;

class ScoringRpcCore {
 public:
  ScoringRpcCore(SessionReader& sessions, QuestionnaireReader& models,
                 ScorecardRecorder& scorecards, std::function<absl::Time()> now = absl::Now)
      : sessions_(sessions), models_(models), scorecards_(scorecards), now_(std::move(now)) {}

  // CLOSED and ARCHIVED sessions are scored and recorded (scoring again returns the recorded
  // scorecard); OPEN ones only with `preview`. With `preview` nothing is recorded, whatever the
  // state, and the scorecard says so (Scorecard.preview true); DRAFT sessions are refused.
  // A session past the limits above is refused (FAILED_PRECONDITION) as soon as reading its
  // answers passes one.
  absl::Status ScoreSession(const RequestContext& rc, const sapi::ScoreSessionRequest& req,
                            sapi::ScoreSessionResponse* resp);
  // Scores supplied answers against a readable or inline model version; records nothing.
  absl::Status ScoreResponses(const RequestContext& rc, const sapi::ScoreResponsesRequest& req,
                              sapi::ScoreResponsesResponse* resp);
  // Explains a figure of a recorded scorecard (its session's frozen answers) or of a
  // session's current scorecard.
  absl::Status ExplainScore(const RequestContext& rc, const sapi::ExplainScoreRequest& req,
                            sapi::ExplainScoreResponse* resp);

 private:
  struct SessionInput {
    session_api::Session session;
    ScoringInput input;
  };
  // The input of a session that can be scored (OPEN, CLOSED, ARCHIVED); `field` names the
  // request field holding the session name in errors.
  absl::StatusOr<SessionInput> ReadSession(const RequestContext& rc, const std::string& name,
                                           const std::string& field);
  absl::StatusOr<ScoringOptions> Options(const RequestContext& rc);

  SessionReader& sessions_;
  QuestionnaireReader& models_;
  ScorecardRecorder& scorecards_;
  std::function<absl::Time()> now_;
};

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_SCORING_RPC_CORE_H_
