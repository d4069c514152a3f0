// Builders for the scoring core's tests and benchmark: models and answers in a line each, a
// random (seeded) input generator, and lookups into a scorecard.
#ifndef LAGOM_SERVICES_SCORING_CORE_TEST_SUPPORT_H_
#define LAGOM_SERVICES_SCORING_CORE_TEST_SUPPORT_H_

#include <optional>
#include <random>
#include <string>

#include "services/scoring/core/scoring_input.h"

namespace lagom::scoring::testing {

qapi::Area& AddArea(qapi::ModelContent& model, const std::string& id, double target = 0.6);
// weight 0 keeps the model default (1).
qapi::Item& AddItem(qapi::Area& area, const std::string& id, qapi::ItemPerspective perspective,
                    qapi::Scale scale, double weight = 0);
// A PROVIDER item and a CUSTOMER item sharing `pair_id`: "<pair_id>.provider" (maturity 0–5) and
// "<pair_id>.customer" (Likert 1–5).
void AddPair(qapi::Area& area, const std::string& pair_id, double weight = 0);

ScoringAnswer Provider(const std::string& respondent, const std::string& item,
                       std::optional<double> value, int round = 0);
ScoringAnswer Customer(const std::string& respondent, const std::string& organization,
                       const std::string& item, std::optional<double> value,
                       std::optional<double> expectation = std::nullopt, int round = 0);

// Whether the respondent of `who` answers `item` (PROVIDER: PROVIDER and BOTH items; CUSTOMER:
// CUSTOMER and BOTH items).
bool Answers(const ScoringAnswer& who, const qapi::Item& item);

type::ResponseGroup Group(type::ResponseGroupKind kind, const std::string& organization = "");
inline type::ResponseGroup ProviderGroup() { return Group(type::RESPONSE_GROUP_KIND_PROVIDER); }
inline type::ResponseGroup AllCustomers() { return Group(type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS); }
inline type::ResponseGroup Organization(const std::string& organization) {
  return Group(type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION, organization);
}

// nullptr when the scorecard has no such figure.
const sapi::ItemScore* FindItem(const sapi::Scorecard& card, const std::string& item_id,
                                const type::ResponseGroup& group);
const sapi::AreaScore* FindArea(const sapi::Scorecard& card, const std::string& area_id,
                                const type::ResponseGroup& group);
const sapi::AreaGoodEnough* FindGoodEnough(const sapi::Scorecard& card, const std::string& area_id,
                                           const type::ResponseGroup& group);
const sapi::PerceptionGap* FindGap(const sapi::Scorecard& card, sapi::GapSubjectKind kind,
                                   const std::string& subject_id,
                                   const type::ResponseGroup& customer_group);
const sapi::ServqualGap* FindServqual(const sapi::Scorecard& card,
                                      qapi::ServqualDimension dimension, const std::string& item_id,
                                      const type::ResponseGroup& group);
const sapi::GroupCoverage* FindCoverage(const sapi::Scorecard& card,
                                        const type::ResponseGroup& group);

// A random, valid input: `areas` areas of `items_per_area` items of every scale and perspective
// (some pairs, SERVQUAL BOTH items, SAMM-only areas, process attributes, N/A allowed on some),
// answered by `providers` provider and `customers` customer respondents spread over
// `organizations` organisations; each respondent answers each of their items with probability
// `answer_probability`, N/A with probability `na_probability` where allowed.
struct RandomShape {
  int areas = 4;
  int items_per_area = 6;
  int providers = 5;
  int customers = 8;
  int organizations = 3;
  double answer_probability = 0.9;
  double na_probability = 0.1;
  // Every item ITEM_PERSPECTIVE_BOTH (maturity, N/A allowed): each respondent answers every item.
  bool all_both = false;
  // Chance that an answer is preceded by an earlier round's answer to the same item.
  double revote_probability = 0.05;
};
ScoringInput RandomInput(const RandomShape& shape, std::mt19937& random);

}  // namespace lagom::scoring::testing

#endif  // LAGOM_SERVICES_SCORING_CORE_TEST_SUPPORT_H_
