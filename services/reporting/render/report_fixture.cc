#include "services/reporting/render/report_fixture.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

namespace lagom::reporting::testing {
namespace {

constexpr int kMinRespondents = 3;
constexpr double kMinResponseRate = 0.3;
constexpr double kTolerance = 0.05;
constexpr int64_t kCloseTime = 1741962600;  // 2025-03-14 14:30 UTC
constexpr int64_t kDay = 24 * 60 * 60;

struct GroupSpec {
  type::ResponseGroup group;
  int invited;
  int respondents;
};

type::LocalizedText Texts(absl::string_view en, absl::string_view sv = "") {
  type::LocalizedText text;
  if (!en.empty()) (*text.mutable_translations())["en"] = std::string(en);
  if (!sv.empty()) (*text.mutable_translations())["sv"] = std::string(sv);
  return text;
}

google::protobuf::Timestamp At(int64_t seconds) {
  google::protobuf::Timestamp time;
  time.set_seconds(seconds);
  return time;
}

sapi::ProcessAttributeRating RatingOf(double score) {
  if (score <= 0.15) return sapi::PROCESS_ATTRIBUTE_RATING_N;
  if (score <= 0.5) return sapi::PROCESS_ATTRIBUTE_RATING_P;
  if (score <= 0.85) return sapi::PROCESS_ATTRIBUTE_RATING_L;
  return sapi::PROCESS_ATTRIBUTE_RATING_F;
}

sapi::GoodEnoughStatus StatusOf(double gap_to_target) {
  if (gap_to_target < -kTolerance) return sapi::GOOD_ENOUGH_STATUS_BELOW;
  if (gap_to_target > kTolerance) return sapi::GOOD_ENOUGH_STATUS_ABOVE;
  return sapi::GOOD_ENOUGH_STATUS_GOOD_ENOUGH;
}

// Writes figures into a scorecard the way the scoring service would lay them out: one entry per
// group, in the order of `groups` (the provider first).
class ScorecardBuilder final {
 public:
  ScorecardBuilder(sapi::Scorecard& card, std::vector<GroupSpec> groups)
      : card_(card), groups_(std::move(groups)) {
    sapi::Coverage& coverage = *card_.mutable_coverage();
    coverage.set_min_respondents(kMinRespondents);
    coverage.set_min_response_rate(kMinResponseRate);
    for (const GroupSpec& g : groups_) {
      sapi::GroupCoverage& out = *coverage.add_groups();
      *out.mutable_group() = g.group;
      out.set_invited_count(g.invited);
      out.set_respondent_count(g.respondents);
      out.set_response_rate(static_cast<double>(g.respondents) / g.invited);
      out.set_low_confidence(LowConfidence(g));
      coverage.set_low_confidence(coverage.low_confidence() || out.low_confidence());
    }
  }

  // Area scores, good-enough verdicts and the area perception gaps (customers − provider).
  void Area(absl::string_view id, absl::string_view lineage_id, const std::vector<double>& scores,
            double target = 0.6) {
    for (size_t g = 0; g < groups_.size(); ++g) {
      sapi::AreaScore& s = *card_.add_area_scores();
      s.set_area_id(std::string(id));
      s.set_lineage_id(std::string(lineage_id));
      *s.mutable_group() = groups_[g].group;
      s.set_score(scores[g]);
      s.set_maturity_level(scores[g] * 5);
      s.set_rating(RatingOf(scores[g]));
      s.set_answered_item_count(3);
      s.set_low_confidence(LowConfidence(groups_[g]));
      sapi::AreaGoodEnough& verdict = *card_.add_good_enough();
      verdict.set_area_id(std::string(id));
      verdict.set_lineage_id(std::string(lineage_id));
      *verdict.mutable_group() = groups_[g].group;
      verdict.mutable_target()->set_area_id(std::string(id));
      verdict.mutable_target()->set_target_score(target);
      verdict.mutable_target()->set_source(type::TARGET_SOURCE_MODEL_DEFAULT);
      verdict.set_score(scores[g]);
      verdict.set_gap_to_target(scores[g] - target);
      verdict.set_tolerance(kTolerance);
      verdict.set_status(StatusOf(scores[g] - target));
      if (g > 0) AreaGap(id, lineage_id, g, scores[0], scores[g]);
    }
  }

  // One ItemScore per group that answers (`means` nullopt: it does not); n is the group's
  // respondents unless `n` gives it.
  void Item(absl::string_view area_id, absl::string_view item_id,
            const std::vector<std::optional<double>>& means, const std::vector<int>& n = {}) {
    for (size_t g = 0; g < groups_.size(); ++g) {
      if (!means[g]) continue;
      sapi::ItemScore& s = *card_.add_item_scores();
      s.set_item_id(std::string(item_id));
      s.set_lineage_id(std::string(item_id));
      s.set_area_id(std::string(area_id));
      *s.mutable_group() = groups_[g].group;
      sapi::ItemStatistics& st = *s.mutable_statistics();
      st.set_n(n.empty() ? groups_[g].respondents : n[g]);
      st.set_mean(*means[g] * 5);
      st.set_median(std::round(*means[g] * 5));
      st.set_stddev(st.n() < 2 ? 0 : 0.8);
      st.set_normalized_mean(*means[g]);
      st.set_consensus(0.7);
      s.set_low_confidence(st.n() < kMinRespondents || LowConfidence(groups_[g]));
    }
  }

  void Improvement(int rank, absl::string_view area_id, absl::string_view item_id,
                   type::LocalizedText title, type::LocalizedText rationale, bool quick_win,
                   double priority) {
    sapi::Improvement& i = *card_.add_improvements();
    i.set_rank(rank);
    i.set_area_id(std::string(area_id));
    i.set_item_id(std::string(item_id));
    i.set_lineage_id(std::string(item_id.empty() ? area_id : item_id));
    *i.mutable_title() = std::move(title);
    *i.mutable_rationale() = std::move(rationale);
    i.set_quick_win(quick_win);
    i.set_priority_score(priority);
    sapi::PriorityComponent& c = *i.add_components();
    c.set_factor(sapi::PRIORITY_FACTOR_GAP_TO_TARGET);
    c.set_value(priority);
    c.set_weight(1);
    c.set_contribution(priority);
  }

 private:
  static bool LowConfidence(const GroupSpec& g) {
    return g.respondents < kMinRespondents ||
           static_cast<double>(g.respondents) / g.invited < kMinResponseRate;
  }

  void AreaGap(absl::string_view id, absl::string_view lineage_id, size_t g, double provider,
               double customers) {
    sapi::PerceptionGap& gap = *card_.add_perception_gaps();
    gap.set_subject_kind(sapi::GAP_SUBJECT_KIND_AREA);
    gap.set_subject_id(std::string(id));
    gap.set_lineage_id(std::string(lineage_id));
    gap.set_area_id(std::string(id));
    *gap.mutable_customer_group() = groups_[g].group;
    gap.set_provider_score(provider);
    gap.set_customer_score(customers);
    gap.set_gap(customers - provider);
    gap.set_low_confidence(LowConfidence(groups_[0]) || LowConfidence(groups_[g]));
  }

  sapi::Scorecard& card_;
  std::vector<GroupSpec> groups_;
};

qapi::Area& AddArea(qapi::ModelContent& model, absl::string_view id, absl::string_view en,
                    absl::string_view sv) {
  qapi::Area& area = *model.add_areas();
  area.set_id(std::string(id));
  area.set_lineage_id(std::string(id));
  area.set_kind(qapi::AREA_KIND_OTHER);
  *area.mutable_title() = Texts(en, sv);
  area.set_default_target_score(0.6);
  return area;
}

void AddItem(qapi::Area& area, absl::string_view id, qapi::ItemPerspective perspective,
             absl::string_view en, absl::string_view sv, absl::string_view pair_id = "") {
  qapi::Item& item = *area.add_items();
  item.set_id(std::string(id));
  item.set_lineage_id(std::string(id));
  item.set_perspective(perspective);
  item.set_pair_id(std::string(pair_id));
  *item.mutable_text() = Texts(en, sv);
  item.set_scale(qapi::SCALE_MATURITY_0_5);
}

void AddBenchmark(reporting_api::GetBenchmarkResponse& benchmark, absl::string_view lineage_id,
                  int tenants, const std::vector<double>& percentiles,
                  std::optional<double> own_score) {
  reporting_api::AreaBenchmark& b = *benchmark.add_areas();
  b.set_area_lineage_id(std::string(lineage_id));
  b.set_tenant_count(tenants);
  b.set_suppressed(tenants < benchmark.min_tenant_count());
  if (own_score) b.set_own_score(*own_score);
  if (b.suppressed()) {
    b.set_tenant_count(0);
    return;
  }
  b.set_p25(percentiles[1]);
  b.set_p50(percentiles[2]);
  b.set_p75(percentiles[3]);
  b.set_tails_withheld(tenants < 10);
  if (b.tails_withheld()) return;
  b.set_p10(percentiles[0]);
  b.set_p90(percentiles[4]);
}

void SetHeader(sapi::Scorecard& card, absl::string_view id, absl::string_view title,
               int64_t close_time) {
  card.set_name(absl::StrCat("tenants/acme-it/scorecards/", id));
  card.set_session(absl::StrCat("tenants/acme-it/sessions/", id));
  card.set_title(std::string(title));
  card.set_model_version("tenants/acme-it/models/itsm/versions/3");
  card.set_method_version("1.0");
  *card.mutable_session_close_time() = At(close_time);
  *card.mutable_score_time() = At(close_time + 60);
}

std::vector<GroupSpec> ExampleGroups() {
  return {{ProviderGroup(), 5, 4},
          {OrganizationGroup(kNordbank), 8, 5},
          {OrganizationGroup(kFjord), 6, 2},
          {AllCustomersGroup(), 14, 7}};
}

qapi::ModelContent ExampleModel() {
  qapi::ModelContent model;
  model.set_default_language_tag("en");
  model.add_language_tags("en");
  model.add_language_tags("sv");
  qapi::Area& incident = AddArea(model, "incident", "Incident management", "Incidenthantering");
  AddItem(incident, "incident.logging", qapi::ITEM_PERSPECTIVE_BOTH,
          "Incidents are logged with a priority and an owner.",
          "Incidenter registreras med prioritet och ägare.");
  AddItem(incident, "incident.resolution.provider", qapi::ITEM_PERSPECTIVE_PROVIDER,
          "We resolve incidents within the agreed times.",
          "Vi löser incidenter inom överenskommen tid.", "incident.resolution");
  AddItem(incident, "incident.resolution.customer", qapi::ITEM_PERSPECTIVE_CUSTOMER,
          "Our incidents are resolved within the agreed times.",
          "Våra incidenter löses inom överenskommen tid.", "incident.resolution");
  qapi::Area& problem = AddArea(model, "problem", "Problem management", "Problemhantering");
  AddItem(problem, "problem.root-cause", qapi::ITEM_PERSPECTIVE_PROVIDER,
          "Root causes of recurring incidents are found.",
          "Grundorsaker till återkommande incidenter hittas.");
  qapi::Area& change = AddArea(model, "change", "Change management", "Ändringshantering");
  AddItem(change, "change.approval", qapi::ITEM_PERSPECTIVE_BOTH,
          "Changes are approved before they are made.", "Ändringar godkänns innan de görs.");
  AddItem(change, "change.communication", qapi::ITEM_PERSPECTIVE_BOTH,
          "Planned changes are announced in good time.", "Planerade ändringar aviseras i god tid.");
  qapi::Area& level =
      AddArea(model, "service-level", "Service level management", "Servicenivåhantering");
  AddItem(level, "service-level.agreement", qapi::ITEM_PERSPECTIVE_BOTH,
          "Service levels are agreed in writing.", "Servicenivåer är skriftligt överenskomna.");
  AddItem(level, "service-level.review", qapi::ITEM_PERSPECTIVE_BOTH,
          "Service levels are reviewed with customers.", "Servicenivåer följs upp med kunderna.");
  qapi::Area& knowledge = AddArea(model, "knowledge", "Knowledge management", "");
  AddItem(knowledge, "knowledge.articles", qapi::ITEM_PERSPECTIVE_BOTH,
          "Known solutions are documented.", "");
  return model;
}

// A perception gap between the provider and all customers.
void AddCustomerGap(sapi::Scorecard& card, sapi::GapSubjectKind kind, absl::string_view subject,
                    absl::string_view area_id, double provider, double customers) {
  sapi::PerceptionGap& gap = *card.add_perception_gaps();
  gap.set_subject_kind(kind);
  gap.set_subject_id(std::string(subject));
  gap.set_area_id(std::string(area_id));
  *gap.mutable_customer_group() = AllCustomersGroup();
  gap.set_provider_score(provider);
  gap.set_customer_score(customers);
  gap.set_gap(customers - provider);
}

// Figures of the kinds the charts do not draw but the CSV export writes.
void AddDetailFigures(sapi::Scorecard& card) {
  for (sapi::AreaScore& s : *card.mutable_area_scores()) {
    if (s.area_id() == "incident" && s.group().kind() == type::RESPONSE_GROUP_KIND_PROVIDER) {
      sapi::ProcessAttributeScore& performance = *s.add_process_attributes();
      performance.set_attribute(qapi::PROCESS_ATTRIBUTE_PA_1_1);
      performance.set_achievement(0.9);
      performance.set_rating(sapi::PROCESS_ATTRIBUTE_RATING_F);
      sapi::ProcessAttributeScore& management = *s.add_process_attributes();
      management.set_attribute(qapi::PROCESS_ATTRIBUTE_PA_2_1);
      management.set_achievement(0.55);
      management.set_rating(sapi::PROCESS_ATTRIBUTE_RATING_L);
      s.set_capability_level(1);
    }
    if (s.area_id() == "knowledge" && s.group().kind() == type::RESPONSE_GROUP_KIND_PROVIDER) {
      s.set_samm_practice_score(1.25);
    }
  }
  // Customers experience incident resolution, and reliability, worse than the provider thinks.
  AddCustomerGap(card, sapi::GAP_SUBJECT_KIND_ITEM_PAIR, "incident.resolution", "incident", 0.72,
                 0.49);
  AddCustomerGap(card, sapi::GAP_SUBJECT_KIND_SERVQUAL_DIMENSION, "RELIABILITY", "", 0.72, 0.49);
  sapi::ServqualGap& servqual = *card.add_servqual_gaps();
  servqual.set_dimension(qapi::SERVQUAL_DIMENSION_RELIABILITY);
  servqual.set_item_id("incident.resolution.customer");
  *servqual.mutable_group() = AllCustomersGroup();
  servqual.set_expectation(0.8);
  servqual.set_perception(0.49);
  servqual.set_gap(0.49 - 0.8);
}

void AddExampleImprovements(ScorecardBuilder& b) {
  b.Improvement(1, "incident", "incident.resolution.provider",
                Texts("Improve: We resolve incidents within the agreed times.",
                      "Förbättra: Vi löser incidenter inom överenskommen tid."),
                Texts("Provider 0.72, customers 0.49 against the area target 0.60; customers "
                      "rate it 0.23 lower than the provider.",
                      "Leverantören 0,72, kunderna 0,49 mot områdets mål 0,60; kunderna ger "
                      "0,23 lägre än leverantören."),
                false, 0.61);
  b.Improvement(2, "change", "change.communication",
                Texts("Improve: Planned changes are announced in good time.",
                      "Förbättra: Planerade ändringar aviseras i god tid."),
                Texts("Provider 0.42, customers 0.53 against the area target 0.60; quick win: "
                      "mean 2.10 is close to level 3.",
                      "Leverantören 0,42, kunderna 0,53 mot områdets mål 0,60; snabb vinst: "
                      "medel 2,10 är nära nivå 3."),
                true, 0.55);
  b.Improvement(3, "knowledge", "knowledge.articles",
                Texts("Improve: Known solutions are documented."),
                Texts("Provider 0.35, customers 0.26 against the area target 0.60.",
                      "Leverantören 0,35, kunderna 0,26 mot områdets mål 0,60."),
                false, 0.5);
  b.Improvement(4, "change", "change.approval",
                Texts("Improve: Changes are approved before they are made.",
                      "Förbättra: Ändringar godkänns innan de görs."),
                Texts("Provider 0.50, customers 0.57 against the area target 0.60.",
                      "Leverantören 0,50, kunderna 0,57 mot områdets mål 0,60."),
                false, 0.42);
  b.Improvement(5, "service-level", "service-level.review",
                Texts("Improve: Service levels are reviewed with customers.",
                      "Förbättra: Servicenivåer följs upp med kunderna."),
                Texts("Provider 0.62, customers 0.68; quick win: mean 3.10 is close to level 4.",
                      "Leverantören 0,62, kunderna 0,68; snabb vinst: medel 3,10 är nära nivå "
                      "4."),
                true, 0.35);
  b.Improvement(6, "incident", "incident.logging",
                Texts("Improve: Incidents are logged with a priority and an owner.",
                      "Förbättra: Incidenter registreras med prioritet och ägare."),
                Texts("Provider 0.75, customers 0.55 against the area target 0.60.",
                      "Leverantören 0,75, kunderna 0,55 mot områdets mål 0,60."),
                false, 0.3);
  b.Improvement(7, "service-level", "service-level.agreement",
                Texts("Improve: Service levels are agreed in writing.",
                      "Förbättra: Servicenivåer är skriftligt överenskomna."),
                Texts("Provider 0.70, customers 0.70 against the area target 0.60.",
                      "Leverantören 0,70, kunderna 0,70 mot områdets mål 0,60."),
                false, 0.2);
  b.Improvement(8, "knowledge", "", Texts("Build a shared knowledge base"),
                Texts("Every group rates knowledge management below target."), false, 0.1);
}

sapi::Scorecard ExampleScorecard() {
  sapi::Scorecard card;
  SetHeader(card, "2025-q1", "Service review Q1 2025", kCloseTime);
  card.add_services("tenants/acme-it/services/email");
  card.add_services("tenants/acme-it/services/erp");
  card.add_customer_organizations(kNordbank);
  card.add_customer_organizations(kFjord);
  ScorecardBuilder b(card, ExampleGroups());
  b.Area("incident", "incident", {0.724, 0.58, 0.43, 0.53});
  b.Area("change", "change", {0.46, 0.62, 0.37, 0.55});
  b.Area("service-level", "service-level", {0.66, 0.71, 0.64, 0.69});
  b.Area("knowledge", "knowledge", {0.35, 0.48, 0.26, 0.41});
  const std::optional<double> none;
  b.Item("incident", "incident.logging", {0.75, 0.6, 0.45, 0.55});
  b.Item("incident", "incident.resolution.provider", {0.72, none, none, none});
  b.Item("incident", "incident.resolution.customer", {none, 0.52, 0.41, 0.49});
  b.Item("change", "change.approval", {0.5, 0.65, 0.4, 0.57});
  b.Item("change", "change.communication", {0.42, 0.6, 0.35, 0.53});
  b.Item("service-level", "service-level.agreement", {0.7, 0.72, 0.66, 0.7});
  b.Item("service-level", "service-level.review", {0.62, 0.7, 0.62, 0.68});
  // Only Fjord's two respondents answered it on the customer side.
  b.Item("knowledge", "knowledge.articles", {0.35, none, 0.26, 0.26}, {4, 0, 2, 2});
  AddExampleImprovements(b);
  AddDetailFigures(card);
  return card;
}

sapi::Scorecard EarlierScorecard(
    absl::string_view id, int64_t close_time,
    const std::vector<std::pair<std::string, std::vector<double>>>& provider_and_customer_scores) {
  sapi::Scorecard card;
  SetHeader(card, id, absl::StrCat("Service review ", id), close_time);
  ScorecardBuilder b(card, {{ProviderGroup(), 5, 4}, {AllCustomersGroup(), 10, 6}});
  for (const auto& [area_id, scores] : provider_and_customer_scores) {
    // The incident area was called "incident-2024" in the model version used then.
    b.Area(area_id, area_id == "incident-2024" ? "incident" : area_id, scores);
  }
  return card;
}

}  // namespace

type::ResponseGroup ProviderGroup() {
  type::ResponseGroup group;
  group.set_kind(type::RESPONSE_GROUP_KIND_PROVIDER);
  return group;
}

type::ResponseGroup AllCustomersGroup() {
  type::ResponseGroup group;
  group.set_kind(type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  return group;
}

type::ResponseGroup OrganizationGroup(absl::string_view organization) {
  type::ResponseGroup group;
  group.set_kind(type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
  group.set_customer_organization(std::string(organization));
  return group;
}

ReportInput ReportFixture::Input(absl::string_view language) const {
  ReportInput input;
  input.scorecard = &scorecard;
  input.model = &model;
  input.history = history;
  input.benchmark = &benchmark;
  input.language = std::string(language);
  input.audience = reporting_api::REPORT_AUDIENCE_PROVIDER;
  input.display_names = display_names;
  input.comments = comments;
  return input;
}

ReportFixture ExampleFixture() {
  ReportFixture f;
  f.model = ExampleModel();
  f.scorecard = ExampleScorecard();
  f.history.push_back(EarlierScorecard("2024-q1", kCloseTime - 364 * kDay,
                                       {{"incident-2024", {0.60, 0.41}},
                                        {"change", {0.40, 0.45}},
                                        {"service-level", {0.62, 0.60}}}));
  f.history.push_back(EarlierScorecard("2024-q3", kCloseTime - 175 * kDay,
                                       {{"incident", {0.66, 0.47}},
                                        {"change", {0.44, 0.50}},
                                        {"service-level", {0.64, 0.66}},
                                        {"knowledge", {0.30, 0.38}}}));
  f.benchmark.set_min_tenant_count(5);
  f.benchmark.set_score_step(0.05);
  AddBenchmark(f.benchmark, "incident", 14, {0.3, 0.45, 0.55, 0.7, 0.8}, 0.53);
  AddBenchmark(f.benchmark, "change", 3, {}, std::nullopt);
  AddBenchmark(f.benchmark, "service-level", 7, {0, 0.45, 0.6, 0.7, 0}, 0.69);
  f.display_names = {{kNordbank, "Nordbank AB"},
                     {kFjord, "Fjord Logistik"},
                     {"tenants/acme-it/services/email", "E-mail & calendar"},
                     {"tenants/acme-it/services/erp", "ERP"},
                     {"tenants/acme-it/models/itsm/versions/3", "Lagom ITSM baseline 2025.1"}};
  f.comments = {
      {"incident.resolution.customer", OrganizationGroup(kNordbank),
       "Tickets bounce between teams & nobody owns them."},
      {"change.approval", ProviderGroup(), "The CAB meets too rarely; urgent changes wait."},
      {"incident.resolution.customer", OrganizationGroup(kFjord),
       "The portal is slow to show status."},
  };
  return f;
}

ReportFixture SyntheticFixture(const FixtureShape& shape) {
  ReportFixture f;
  f.model.set_default_language_tag("en");
  std::vector<GroupSpec> groups = {{ProviderGroup(), 12, 8}};
  int invited = 0;
  int respondents = 0;
  for (int o = 0; o < shape.organizations; ++o) {
    const std::string name = absl::StrCat("tenants/acme-it/customerOrganizations/org-", o);
    groups.push_back({OrganizationGroup(name), 10, 3 + o});
    invited += 10;
    respondents += 3 + o;
    f.display_names[name] = absl::StrCat("Customer organisation ", o);
  }
  groups.push_back({AllCustomersGroup(), invited, respondents});
  // Deterministic scores in 0.2–0.8 that differ by area, group and scorecard.
  const auto score = [](int area, size_t group, int card) {
    return 0.2 + std::fmod(0.37 * area + 0.23 * static_cast<double>(group) + 0.11 * card, 0.6);
  };
  const auto area_id = [](int a) { return absl::StrCat("area-", a); };
  const auto item_id = [](int i) { return absl::StrCat("item-", i); };
  for (int a = 0; a < shape.areas; ++a) {
    AddArea(f.model, area_id(a), absl::StrCat("Area ", a), absl::StrCat("Område ", a));
  }
  for (int i = 0; i < shape.items; ++i) {
    AddItem(*f.model.mutable_areas(i % shape.areas), item_id(i), qapi::ITEM_PERSPECTIVE_BOTH,
            absl::StrCat("Question ", i, " about the service."),
            absl::StrCat("Fråga ", i, " om tjänsten."));
  }
  for (int c = 0; c <= shape.history; ++c) {
    sapi::Scorecard card;
    SetHeader(card, absl::StrCat("s", c), absl::StrCat("Review ", c),
              kCloseTime - (shape.history - c) * 91 * kDay);
    for (size_t g = 1; g + 1 < groups.size(); ++g) {
      card.add_customer_organizations(groups[g].group.customer_organization());
    }
    ScorecardBuilder b(card, groups);
    for (int a = 0; a < shape.areas; ++a) {
      std::vector<double> scores;
      for (size_t g = 0; g < groups.size(); ++g) scores.push_back(score(a, g, c));
      b.Area(area_id(a), area_id(a), scores);
    }
    if (c < shape.history) {
      f.history.push_back(std::move(card));
      continue;
    }
    for (int i = 0; i < shape.items; ++i) {
      std::vector<std::optional<double>> means;
      for (size_t g = 0; g < groups.size(); ++g) means.push_back(score(i % shape.areas, g, i));
      b.Item(area_id(i % shape.areas), item_id(i), means);
    }
    for (int r = 1; r <= shape.improvements; ++r) {
      const int item = (r * 7) % shape.items;
      b.Improvement(
          r, area_id(item % shape.areas), item_id(item),
          Texts(absl::StrCat("Improve question ", item), absl::StrCat("Förbättra fråga ", item)),
          Texts("Customers rate it lower than the provider.",
                "Kunderna ger lägre än leverantören."),
          r % 4 == 0, 1.0 / r);
    }
    f.scorecard = std::move(card);
  }
  f.benchmark.set_min_tenant_count(5);
  for (int a = 0; a < shape.areas; ++a) {
    AddBenchmark(f.benchmark, area_id(a), a % 4 == 3 ? 3 : 20, {0.2, 0.35, 0.5, 0.65, 0.8},
                 score(a, groups.size() - 1, shape.history));
  }
  for (int k = 0; k < shape.comments; ++k) {
    f.comments.push_back({item_id((k * 5) % shape.items), groups[k % groups.size()].group,
                          absl::StrCat("Comment ", k, " on the service & its <quirks>.")});
  }
  return f;
}

}  // namespace lagom::reporting::testing
