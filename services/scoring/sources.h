// What the scoring service reads from and hands to the other services: sessions and their
// answers (session service), model versions and tenant settings (questionnaire service), and
// recorded scorecards (reporting service). Interfaces, so the rules of the RPC layer can be
// tested with fakes; remote_sources.h implements them over gRPC.
#ifndef LAGOM_SERVICES_SCORING_SOURCES_H_
#define LAGOM_SERVICES_SCORING_SOURCES_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/request_context.h"
#include "lagom/session/v1/resources.pb.h"
#include "services/scoring/core/scoring_input.h"

namespace lagom::scoring {

namespace session_api = ::lagom::session::v1;

class SessionReader {
 public:
  virtual ~SessionReader() = default;
  virtual absl::StatusOr<session_api::Session> GetSession(const RequestContext& rc,
                                                          const std::string& name) = 0;
  // Takes one page of a session's answers; a status other than OK stops the reading.
  using AnswerPageSink = std::function<absl::Status(std::vector<ScoringAnswer> page)>;
  // Every participant's answer of its latest round to each of `item_ids` (the items in
  // scope), handed to `take` a page at a time in participant order. Stops at the first page
  // `take` refuses, and returns its status. Answer names are left out for anonymous sessions.
  virtual absl::Status ReadAnswers(const RequestContext& rc, const session_api::Session& session,
                                   const std::vector<std::string>& item_ids,
                                   const AnswerPageSink& take) = 0;
  // Participants invited per group (provider; each organisation; all customers).
  virtual absl::StatusOr<std::vector<sapi::ExpectedRespondents>> CountInvited(
      const RequestContext& rc, const std::string& session) = 0;
};

class QuestionnaireReader {
 public:
  virtual ~QuestionnaireReader() = default;
  virtual absl::StatusOr<qapi::ModelVersion> GetModelVersion(const RequestContext& rc,
                                                             const std::string& name) = 0;
  // The tenant's minimum respondents per group; 0 = the method's default.
  virtual absl::StatusOr<int> MinRespondents(const RequestContext& rc) = 0;
};

class ScorecardRecorder {
 public:
  virtual ~ScorecardRecorder() = default;
  // Records `scorecard` as the tenant's scoring service; a session recorded before returns
  // the scorecard recorded then.
  virtual absl::StatusOr<sapi::Scorecard> Record(const RequestContext& rc,
                                                 const sapi::Scorecard& scorecard,
                                                 const std::string& request_id) = 0;
  virtual absl::StatusOr<sapi::Scorecard> Get(const RequestContext& rc,
                                              const std::string& name) = 0;
};

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_SOURCES_H_
