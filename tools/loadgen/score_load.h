// loadgen score: ScoreSession of a large closed session end to end (scoring reads the model from
// the questionnaire service and every answer from the session service over gRPC, then scores),
// beside the same per-area aggregation done as SQL in PostgreSQL over the same answers.
//
// Set-up on a running stack: a 90-item model (the built-in model's areas, nine items each, every
// item answered by both perspectives) created and published in the API key's tenant, one
// customer organisation, a session with `respondents` participants (half provider staff, half
// customers) each answering every item in one BatchSubmitAnswers (N/A now and then), closed.
#ifndef LAGOM_TOOLS_LOADGEN_SCORE_LOAD_H_
#define LAGOM_TOOLS_LOADGEN_SCORE_LOAD_H_

#include <grpcpp/channel.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lagom::loadgen {

struct ScoreOptions {
  std::string api_key;  // a tenant admin's
  int respondents = 1000;
  int items_per_area = 9;
  int repetitions = 20;  // timed ScoreSession calls (and SQL runs)
  std::string postgres_url;
  absl::Duration timeout = absl::Seconds(30);
};

struct ScoreResult {
  std::string session;
  int answers = 0;
  std::vector<absl::Duration> score_session;  // ScoreSession(preview) of the closed session
  absl::Duration record;                      // the first ScoreSession that records
  std::string record_error;                   // why recording failed, if it did
  std::vector<absl::Duration> sql;            // the per-area aggregation in PostgreSQL
  double max_difference = 0;                  // largest |scorecard − SQL| over area scores
  int area_scores = 0;
};

absl::StatusOr<ScoreResult> RunScore(const ScoreOptions& options, grpc::Channel& questionnaire,
                                     grpc::Channel& session, grpc::Channel& scoring);

}  // namespace lagom::loadgen

#endif  // LAGOM_TOOLS_LOADGEN_SCORE_LOAD_H_
