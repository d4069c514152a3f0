// What the scoring core scores: a model version's content, the answers given to it, the areas
// in scope, the targets in force, who was invited, and the method's thresholds. Plain data; the
// RPC layer fills it from ScoreSession (model and answers read over gRPC) or ScoreResponses
// (supplied by the caller).
#ifndef LAGOM_SERVICES_SCORING_CORE_SCORING_INPUT_H_
#define LAGOM_SERVICES_SCORING_CORE_SCORING_INPUT_H_

#include <optional>
#include <string>
#include <vector>

#include "services/scoring/core/api.h"

namespace lagom::scoring {

// One respondent's answer to one item in one round.
struct ScoringAnswer {
  // Opaque; answers with the same id are one respondent, who keeps one perspective and
  // organisation.
  std::string respondent_id;
  ::lagom::type::v1::Perspective perspective = ::lagom::type::v1::PERSPECTIVE_UNSPECIFIED;
  // CUSTOMER answers: the respondent's organisation (any opaque id or resource name). Empty:
  // counted in ALL_CUSTOMERS only. Must be empty for PROVIDER answers.
  std::string customer_organization;
  std::string item_id;
  // A value of the item's scale; nullopt = not applicable.
  std::optional<double> value;
  // SERVQUAL_ASPECT_BOTH items: the expectation beside the perception `value` (required with a
  // value, absent with N/A); other items: absent.
  std::optional<double> expectation_value;
  // Re-vote round (≥ 0). Only a respondent's answer from their latest round counts.
  int round = 0;
  // Answer resource name, shown by Explain; empty in anonymous sessions and ScoreResponses.
  std::string answer_name;
};

// The method's thresholds.
struct ScoringOptions {
  // A figure from fewer respondents of a group (value or N/A) is low-confidence.
  int min_respondents = 3;
  // A group whose respondents / invited is lower is low-confidence (0 = not checked).
  double min_response_rate = 0;
  // Half-width of the GOOD_ENOUGH band around an area's target, 0–1.
  double good_enough_tolerance = 0.05;
  // Scorecard.method_version.
  std::string method_version = "1.0";
  // Length of the ranked improvement list; 0 = every candidate.
  int max_improvements = 10;
};

struct ScoringInput {
  // The model version scored, its resource name and content hash (copied to the scorecard).
  ::lagom::questionnaire::v1::ModelContent model;
  std::string model_version;
  std::string model_content_hash;

  std::vector<ScoringAnswer> answers;

  // Area ids in scope; empty = every area of the model.
  std::vector<std::string> area_ids;
  // Targets by area id (0–1). An area without one uses Area.default_target_score with source
  // TARGET_SOURCE_MODEL_DEFAULT; a given target keeps its source, or TARGET_SOURCE_SESSION when
  // unset.
  std::vector<::lagom::type::v1::AreaTarget> targets;
  // Invited respondents per group, for response rates; groups not listed have no rate.
  std::vector<::lagom::scoring::v1::ExpectedRespondents> expected_respondents;

  ScoringOptions options;
};

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_CORE_SCORING_INPUT_H_
