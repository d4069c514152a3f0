#include "services/reporting/testing/scorecard_builder.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/resource_util.h"

namespace lagom::reporting::testing {
namespace {

namespace sapi = ::lagom::scoring::v1;
namespace tapi = ::lagom::type::v1;

constexpr const char* kItsmAreas[] = {"catalogue", "service-level", "reporting", "reactive",
                                      "relation",  "change",        "proactive", "improvement",
                                      "knowledge", "configuration"};
constexpr double kTolerance = 0.05;

tapi::ResponseGroup Group(tapi::ResponseGroupKind kind, const std::string& organization = "") {
  tapi::ResponseGroup g;
  g.set_kind(kind);
  g.set_customer_organization(organization);
  return g;
}

double Clamp(double x) { return std::clamp(x, 0.0, 1.0); }

sapi::ProcessAttributeRating RatingOf(double score) {
  if (score <= 0.15) return sapi::PROCESS_ATTRIBUTE_RATING_N;
  if (score <= 0.5) return sapi::PROCESS_ATTRIBUTE_RATING_P;
  if (score <= 0.85) return sapi::PROCESS_ATTRIBUTE_RATING_L;
  return sapi::PROCESS_ATTRIBUTE_RATING_F;
}

sapi::GoodEnoughStatus StatusOf(double gap) {
  if (gap < -kTolerance) return sapi::GOOD_ENOUGH_STATUS_BELOW;
  if (gap > kTolerance) return sapi::GOOD_ENOUGH_STATUS_ABOVE;
  return sapi::GOOD_ENOUGH_STATUS_GOOD_ENOUGH;
}

void AddAreaFigures(sapi::Scorecard& card, const AreaSpec& area, const tapi::ResponseGroup& group,
                    double score, bool low_confidence) {
  sapi::AreaScore* s = card.add_area_scores();
  s->set_area_id(area.id);
  s->set_lineage_id(area.lineage_id);
  *s->mutable_group() = group;
  s->set_score(score);
  s->set_maturity_level(score * 5);
  s->set_rating(RatingOf(score));
  s->set_answered_item_count(4);
  s->set_low_confidence(low_confidence);
  sapi::AreaGoodEnough* g = card.add_good_enough();
  g->set_area_id(area.id);
  g->set_lineage_id(area.lineage_id);
  *g->mutable_group() = group;
  g->mutable_target()->set_area_id(area.id);
  g->mutable_target()->set_target_score(area.target);
  g->mutable_target()->set_source(tapi::TARGET_SOURCE_MODEL_DEFAULT);
  g->set_score(score);
  g->set_gap_to_target(score - area.target);
  g->set_tolerance(kTolerance);
  g->set_status(StatusOf(score - area.target));
}

void AddGap(sapi::Scorecard& card, sapi::GapSubjectKind kind, const std::string& subject,
            const AreaSpec& area, const tapi::ResponseGroup& customers, double customer_score,
            bool low_confidence) {
  sapi::PerceptionGap* gap = card.add_perception_gaps();
  gap->set_subject_kind(kind);
  gap->set_subject_id(subject);
  gap->set_lineage_id(kind == sapi::GAP_SUBJECT_KIND_AREA ? area.lineage_id
                                                          : absl::StrCat("lin.", subject));
  gap->set_area_id(area.id);
  *gap->mutable_customer_group() = customers;
  gap->set_provider_score(area.provider);
  gap->set_customer_score(customer_score);
  gap->set_gap(customer_score - area.provider);
  gap->set_low_confidence(low_confidence);
}

void AddItem(sapi::Scorecard& card, const AreaSpec& area, const std::string& item,
             const tapi::ResponseGroup& group, double score, int n) {
  sapi::ItemScore* s = card.add_item_scores();
  s->set_item_id(item);
  s->set_lineage_id(absl::StrCat("lin.", item));
  s->set_area_id(area.id);
  *s->mutable_group() = group;
  s->mutable_statistics()->set_n(n);
  s->mutable_statistics()->set_mean(score * 5);
  s->mutable_statistics()->set_median(score * 5);
  s->mutable_statistics()->set_normalized_mean(score);
  s->mutable_statistics()->set_consensus(0.8);
}

void AddArea(sapi::Scorecard& card, const ScorecardSpec& spec, const AreaSpec& area) {
  const tapi::ResponseGroup all = Group(tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  const bool low = spec.customers_low_confidence;
  AddAreaFigures(card, area, Group(tapi::RESPONSE_GROUP_KIND_PROVIDER), area.provider, false);
  AddAreaFigures(card, area, all, area.customers, low);
  AddGap(card, sapi::GAP_SUBJECT_KIND_AREA, area.id, area, all, area.customers, low);
  const std::string pair = absl::StrCat(area.id, ".main");
  AddItem(card, area, pair + ".provider", Group(tapi::RESPONSE_GROUP_KIND_PROVIDER), area.provider,
          4);
  AddItem(card, area, pair + ".customer", all, area.customers, 6);
  AddGap(card, sapi::GAP_SUBJECT_KIND_ITEM_PAIR, pair, area, all, area.customers, low);
  for (size_t i = 0; i < spec.organization_ids.size(); ++i) {
    const tapi::ResponseGroup org = Group(
        tapi::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION,
        absl::StrCat("tenants/", spec.tenant, "/customerOrganizations/", spec.organization_ids[i]));
    const double score = Clamp(area.customers + (i % 2 == 0 ? -0.05 : 0.05) * (1 + i / 2));
    AddAreaFigures(card, area, org, score, true);
    AddGap(card, sapi::GAP_SUBJECT_KIND_AREA, area.id, area, org, score, true);
  }
}

void AddImprovement(sapi::Scorecard& card, const AreaSpec& area, int rank) {
  sapi::Improvement* i = card.add_improvements();
  i->set_rank(rank);
  i->set_area_id(area.id);
  i->set_lineage_id(area.lineage_id);
  (*i->mutable_title()->mutable_translations())["en"] =
      absl::StrCat("Raise ", area.id, " to target");
  (*i->mutable_rationale()->mutable_translations())["en"] =
      absl::StrCat("Customers score ", area.customers, " against a target of ", area.target, ".");
  i->set_priority_score(area.target - area.customers);
  sapi::PriorityComponent* c = i->add_components();
  c->set_factor(sapi::PRIORITY_FACTOR_GAP_TO_TARGET);
  c->set_value(area.target - area.customers);
  c->set_weight(1);
  c->set_contribution(area.target - area.customers);
}

void AddCoverage(sapi::Scorecard& card, const ScorecardSpec& spec) {
  sapi::Coverage* c = card.mutable_coverage();
  c->set_min_respondents(3);
  c->set_min_response_rate(0.3);
  sapi::GroupCoverage* provider = c->add_groups();
  *provider->mutable_group() = Group(tapi::RESPONSE_GROUP_KIND_PROVIDER);
  provider->set_invited_count(5);
  provider->set_respondent_count(4);
  provider->set_response_rate(0.8);
  sapi::GroupCoverage* customers = c->add_groups();
  *customers->mutable_group() = Group(tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  customers->set_invited_count(12);
  customers->set_respondent_count(spec.customers_low_confidence ? 2 : 7);
  customers->set_response_rate(spec.customers_low_confidence ? 2.0 / 12 : 7.0 / 12);
  customers->set_low_confidence(spec.customers_low_confidence);
  c->set_low_confidence(spec.customers_low_confidence);
}

}  // namespace

std::vector<AreaSpec> ItsmAreas(double provider, double customers) {
  std::vector<AreaSpec> areas;
  for (size_t i = 0; i < std::size(kItsmAreas); ++i) {
    const double spread = 0.02 * static_cast<double>(i % 5);
    areas.push_back(AreaSpec{kItsmAreas[i], absl::StrCat("lin.", kItsmAreas[i]),
                             Clamp(provider + spread), Clamp(customers - spread), 0.6});
  }
  return areas;
}

sapi::Scorecard BuildScorecard(const ScorecardSpec& spec) {
  sapi::Scorecard card;
  card.set_session(absl::StrCat("tenants/", spec.tenant, "/sessions/", spec.session_id));
  card.set_title(spec.title);
  card.set_model_version(spec.model_version);
  card.set_model_content_hash(spec.content_hash);
  for (const std::string& id : spec.service_ids) {
    card.add_services(absl::StrCat("tenants/", spec.tenant, "/services/", id));
  }
  for (const std::string& id : spec.organization_ids) {
    card.add_customer_organizations(
        absl::StrCat("tenants/", spec.tenant, "/customerOrganizations/", id));
  }
  card.set_method_version("1.0");
  int rank = 0;
  for (const AreaSpec& area : spec.areas) {
    AddArea(card, spec, area);
    if (area.customers < area.target) AddImprovement(card, area, ++rank);
  }
  AddCoverage(card, spec);
  *card.mutable_session_close_time() = ToProto(spec.close_time);
  *card.mutable_score_time() = ToProto(spec.close_time + absl::Seconds(2));
  return card;
}

void PadScorecard(sapi::Scorecard& card, double mib) {
  const auto bytes = static_cast<size_t>(mib * (1 << 20));
  while (card.ByteSizeLong() < bytes) card.add_item_scores()->set_item_id(std::string(4000, 'i'));
}

}  // namespace lagom::reporting::testing
