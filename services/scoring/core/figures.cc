#include "services/scoring/core/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/consensus.h"
#include "services/scoring/core/iso33020.h"

namespace lagom::scoring {
namespace {

constexpr char kStatisticsReference[] =
    "Descriptive statistics (sample standard deviation); consensus: Tastle & Wierman (2007), "
    "Consensus and dissention: a measure of ordinal dispersion";
constexpr char kAreaReference[] =
    "Weighted mean with N/A excluded and the remaining weights renormalised (as ServiceNow "
    "assessments); ISO/IEC 33020:2019 rating scale and capability levels; OWASP SAMM 2.0 "
    "practice score";
constexpr char kGoodEnoughReference[] = "Lagom good-enough target (docs/scoring.md)";

// Gaps are compared with the tolerance in billionths, so that a gap meant as exactly the
// tolerance (0.55 − 0.6 against 0.05) is GOOD_ENOUGH whatever floating point made of it.
int64_t Billionths(double v) { return std::llround(v * 1e9); }

// The scale value at `position` (0-based) of the sorted answers.
double ValueAt(const int* counts, const ScaleInfo& scale, int position) {
  int seen = 0;
  for (int k = 0; k < scale.size; ++k) {
    seen += counts[k];
    if (position < seen) return scale.values[k];
  }
  return scale.values[scale.size - 1];
}

ItemStats StatsOf(const Cell& cell, const ScaleInfo& scale, int min_respondents) {
  ItemStats s;
  int counts[kMaxScaleValues];
  double sum = 0;
  double expectation_sum = 0;
  for (int k = 0; k < scale.size; ++k) {
    counts[k] = static_cast<int>(cell.values[k]);
    s.n += counts[k];
    sum += counts[k] * scale.values[k];
    s.expectation_n += static_cast<int>(cell.expectations[k]);
    expectation_sum += cell.expectations[k] * scale.values[k];
  }
  s.na = static_cast<int>(cell.na);
  s.low_confidence = s.n + s.na < min_respondents;
  if (s.expectation_n > 0) s.expectation = scale.Normalize(expectation_sum / s.expectation_n);
  if (s.n == 0) return s;
  s.mean = sum / s.n;
  s.median = (ValueAt(counts, scale, (s.n - 1) / 2) + ValueAt(counts, scale, s.n / 2)) / 2;
  if (s.n > 1) {
    double squares = 0;
    for (int k = 0; k < scale.size; ++k) {
      squares += counts[k] * (scale.values[k] - s.mean) * (scale.values[k] - s.mean);
    }
    s.stddev = std::sqrt(squares / (s.n - 1));
  }
  s.normalized = scale.Normalize(s.mean);
  s.consensus = Consensus(scale.Values(), absl::MakeConstSpan(counts, scale.size));
  return s;
}

std::string AttributeName(qapi::ProcessAttribute attribute) {
  return std::string(
      absl::StripPrefix(qapi::ProcessAttribute_Name(attribute), "PROCESS_ATTRIBUTE_"));
}

// Achievement and rating of each process attribute the area's items evidence, PA 1.1 first.
std::vector<sapi::ProcessAttributeScore> AttributeScores(
    const WeightedMean (&attributes)[qapi::ProcessAttribute_ARRAYSIZE]) {
  std::vector<sapi::ProcessAttributeScore> out;
  for (int a = qapi::PROCESS_ATTRIBUTE_PA_1_1; a < qapi::ProcessAttribute_ARRAYSIZE; ++a) {
    if (attributes[a].empty()) continue;
    sapi::ProcessAttributeScore& pa = out.emplace_back();
    pa.set_attribute(static_cast<qapi::ProcessAttribute>(a));
    pa.set_achievement(attributes[a].value());
    pa.set_rating(RatingOf(pa.achievement()));
  }
  return out;
}

// SAMM streams by (level, stream): the weighted mean of their items.
using SammStreams = std::map<std::pair<int, std::string>, WeightedMean>;

// OWASP SAMM 2.0: a level's score is the mean of its streams; the practice score sums the
// levels 1–3 (0–3). A level without answers counts 0.
double SammPracticeScore(const SammStreams& streams, Trace* trace) {
  WeightedMean levels[4];
  for (const auto& [position, stream] : streams) {
    if (position.first >= 1 && position.first <= 3) levels[position.first].Add(stream.value(), 1);
    if (trace) {
      trace->Add(absl::StrCat("samm.level", position.first, ".stream_", position.second),
                 stream.value());
    }
  }
  double practice = 0;
  for (int level = 1; level <= 3; ++level) {
    const double mean = levels[level].empty() ? 0 : levels[level].value();
    practice += mean;
    if (trace) trace->Add(absl::StrCat("samm.level", level, ".stream_mean"), mean);
  }
  return practice;
}

}  // namespace

void Trace::Add(std::string label, double value, std::optional<double> weight) {
  sapi::IntermediateValue& v = values.emplace_back();
  v.set_label(std::move(label));
  v.set_value(value);
  if (weight) v.set_weight(*weight);
}

void Trace::Conclude(std::string formula_text, std::string method,
                     std::initializer_list<std::pair<const char*, double>> final_values) {
  formula = std::move(formula_text);
  method_reference = std::move(method);
  for (const auto& [label, value] : final_values) Add(label, value);
}

namespace {

sapi::FigureReference FigureOf(sapi::FigureKind kind, const type::ResponseGroup& group,
                               std::string metric) {
  sapi::FigureReference figure;
  figure.set_kind(kind);
  *figure.mutable_group() = group;
  figure.set_metric(std::move(metric));
  return figure;
}

}  // namespace

sapi::FigureReference ItemFigure(const std::string& item_id, const type::ResponseGroup& group,
                                 std::string metric) {
  sapi::FigureReference figure =
      FigureOf(sapi::FIGURE_KIND_ITEM_STATISTIC, group, std::move(metric));
  figure.set_item_id(item_id);
  return figure;
}

sapi::FigureReference AreaFigure(const std::string& area_id, const type::ResponseGroup& group,
                                 std::string metric) {
  sapi::FigureReference figure = FigureOf(sapi::FIGURE_KIND_AREA_SCORE, group, std::move(metric));
  figure.set_area_id(area_id);
  return figure;
}

std::string DimensionName(qapi::ServqualDimension dimension) {
  return std::string(
      absl::StripPrefix(qapi::ServqualDimension_Name(dimension), "SERVQUAL_DIMENSION_"));
}

Figures::Figures(const ScoringModel& model, const Tally& tally, const ScoringInput& input)
    : model_(model), tally_(tally), input_(input) {
  const std::vector<ItemInfo>& items = model_.items();
  const int groups = tally_.group_count();
  stats_.resize(static_cast<size_t>(groups) * items.size());
  for (int g = 0; g < groups; ++g) {
    for (size_t i = 0; i < items.size(); ++i) {
      stats_[g * items.size() + i] =
          StatsOf(tally_.cell(g, static_cast<int>(i)), *items[i].scale, options().min_respondents);
    }
  }
  members_.resize(groups);
  for (int r = 0; r < static_cast<int>(tally_.respondents().size()); ++r) {
    const int own = tally_.respondents()[r].group;
    members_[own].push_back(r);
    if (own >= kFirstOrganizationGroup) members_[kAllCustomersGroup].push_back(r);
  }
  for (int i = 0; i < static_cast<int>(items.size()); ++i) {
    const ItemInfo& item = items[i];
    if (!Measures(i)) continue;
    if (item.provider_answers && item.customer_answers) {
      subjects_.push_back(
          {item.id(), i, i, item.area, item.weight, item.gap_dimension, item.lineage_id});
    } else if (item.provider_answers && item.partner >= 0 && Measures(item.partner)) {
      const ItemInfo& customer = items[item.partner];
      subjects_.push_back({item.item->pair_id(), i, item.partner, item.area,
                           (item.weight + customer.weight) / 2, item.gap_dimension,
                           item.lineage_id});
    }
  }
}

bool Figures::Answers(int group, int item) const {
  const ItemInfo& info = model_.items()[item];
  return group == kProviderGroup ? info.provider_answers : info.customer_answers;
}

bool Figures::Measures(int item) const {
  return model_.items()[item].item->servqual_aspect() != qapi::SERVQUAL_ASPECT_EXPECTATION;
}

int Figures::RespondentsBehind(int group, absl::Span<const int> items, int stop_at) const {
  int count = 0;
  for (int r : members_[group]) {
    for (int item : items) {
      if (tally_.Counted(r, item) >= 0) {
        ++count;
        break;
      }
    }
    if (count >= stop_at) break;
  }
  return count;
}

bool Figures::LowConfidence(int group, absl::Span<const int> items) const {
  const int min = options().min_respondents;
  return RespondentsBehind(group, items, min) < min;
}

void Figures::TraceItem(int group, int item, Trace& trace) const {
  const ItemInfo& info = model_.items()[item];
  const Cell& cell = tally_.cell(group, item);
  const ItemStats& s = Item(group, item);
  trace.formula =
      "n = answers with a value; mean = Σ xᵢ / n; median = middle value (mean of the two middle "
      "ones when n is even); stddev = √(Σ (xᵢ − mean)² / (n − 1)); normalized_mean = "
      "(mean − scale minimum) / (scale maximum − scale minimum); consensus = 1 + Σ pᵢ·log₂(1 − "
      "|Xᵢ − μ| / d) over scale values Xᵢ chosen by a share pᵢ, d = scale width; N/A answers "
      "are excluded";
  trace.method_reference = kStatisticsReference;
  for (int k = 0; k < info.scale->size; ++k) {
    trace.Add(absl::StrCat("count(value=", info.scale->values[k], ")"), cell.values[k]);
  }
  trace.Add("n", s.n);
  trace.Add("na_count", s.na);
  trace.Add("mean", s.mean);
  trace.Add("median", s.median);
  trace.Add("stddev", s.stddev);
  trace.Add("normalized_mean", s.normalized);
  trace.Add("consensus", s.consensus);
  if (s.expectation_n > 0) trace.Add("expectation.normalized_mean", s.expectation);
  trace.Add("min_respondents", options().min_respondents);
  trace.answers.emplace_back(group, item);
}

std::optional<AreaResult> Figures::Area(int group, int area, Trace* trace) const {
  const AreaInfo& info = model_.areas()[area];
  const type::ResponseGroup group_proto = tally_.GroupProto(group);
  AreaResult out;
  WeightedMean score;
  WeightedMean attributes[qapi::ProcessAttribute_ARRAYSIZE];
  SammStreams streams;
  std::vector<int> used;
  for (int i : info.items) {
    if (!Answers(group, i) || !Measures(i)) continue;
    const ItemInfo& item = model_.items()[i];
    const ItemStats& s = Item(group, i);
    if (s.n + s.na > 0) used.push_back(i);
    if (s.n == 0) {
      if (s.na > 0) ++out.na_items;
      if (trace && s.na > 0) {
        // Excluded from both sums, but its N/A answers are listed (marked not_applicable).
        trace->Add(absl::StrCat("item:", item.id(), ".na_count (excluded)"), s.na);
        trace->answers.emplace_back(group, i);
      }
      continue;
    }
    ++out.answered_items;
    score.Add(s.normalized, item.weight);
    const int attribute = item.item->process_attribute();
    if (attribute > 0 && attribute < qapi::ProcessAttribute_ARRAYSIZE) {
      attributes[attribute].Add(s.normalized, item.weight);
    }
    if (info.samm_only) {
      const qapi::SammPosition& position = item.item->samm_position();
      streams[{position.level(), position.stream()}].Add(s.normalized, item.weight);
    }
    if (trace) {
      trace->Add(absl::StrCat("item:", item.id(), ".normalized_mean"), s.normalized, item.weight);
      trace->inputs.push_back(ItemFigure(item.id(), group_proto, "normalized_mean"));
      trace->answers.emplace_back(group, i);
    }
  }
  if (out.answered_items == 0) return std::nullopt;
  out.score = score.value();
  out.rating = RatingOf(out.score);
  out.low_confidence = LowConfidence(group, used);

  out.attributes = AttributeScores(attributes);
  AttributeRatings ratings;
  for (const sapi::ProcessAttributeScore& pa : out.attributes) {
    ratings[pa.attribute()] = pa.rating();
  }
  out.capability_level = CapabilityLevel(ratings);
  if (info.samm_only) out.samm_practice_score = SammPracticeScore(streams, trace);

  if (trace) {
    trace->formula =
        "score = Σ wᵢ·xᵢ / Σ wᵢ over the area's items with a value (xᵢ = item normalized_mean, "
        "wᵢ = item weight; N/A excluded and the remaining weights renormalised); maturity_level "
        "= 5 × score; rating of 100 × score: N ≤ 15 % < P ≤ 50 % < L ≤ 85 % < F";
    trace->method_reference = kAreaReference;
    trace->Add("weighted_sum", score.weighted);
    trace->Add("weight_sum_excluding_na", score.weights);
    trace->Add("score", out.score);
    trace->Add("maturity_level", 5 * out.score);
    trace->Add("percentage", 100 * out.score);
    trace->Add("rating", out.rating);
    for (const sapi::ProcessAttributeScore& pa : out.attributes) {
      trace->Add(absl::StrCat(AttributeName(pa.attribute()), ".achievement"), pa.achievement());
      trace->Add(absl::StrCat(AttributeName(pa.attribute()), ".rating"), pa.rating());
    }
    trace->Add("capability_level", out.capability_level);
    if (out.samm_practice_score) trace->Add("samm_practice_score", *out.samm_practice_score);
    trace->Add("respondents", RespondentsBehind(group, used, std::numeric_limits<int>::max()));
  }
  return out;
}

std::optional<GoodEnoughResult> Figures::GoodEnough(int group, int area, Trace* trace) const {
  std::optional<AreaResult> result = Area(group, area);
  if (!result) return std::nullopt;
  const double target = model_.areas()[area].target.target_score();
  const double tolerance = options().good_enough_tolerance;
  GoodEnoughResult out;
  out.score = result->score;
  out.gap_to_target = result->score - target;
  const int64_t gap = Billionths(out.gap_to_target);
  const int64_t band = Billionths(tolerance);
  out.status = gap < -band  ? sapi::GOOD_ENOUGH_STATUS_BELOW
               : gap > band ? sapi::GOOD_ENOUGH_STATUS_ABOVE
                            : sapi::GOOD_ENOUGH_STATUS_GOOD_ENOUGH;
  if (trace) {
    trace->Conclude(
        "gap_to_target = score − target; BELOW when gap_to_target < −tolerance, ABOVE when > "
        "tolerance, otherwise GOOD_ENOUGH (compared to 1e-9)",
        kGoodEnoughReference,
        {{"score", out.score},
         {"target", target},
         {"target_source", model_.areas()[area].target.source()},
         {"tolerance", tolerance},
         {"gap_to_target", out.gap_to_target},
         {"status", out.status}});
    trace->inputs.push_back(AreaFigure(model_.areas()[area].id(), tally_.GroupProto(group)));
  }
  return out;
}

sapi::GroupCoverage Figures::GroupCoverageOf(const type::ResponseGroup& group, Trace* trace) const {
  sapi::GroupCoverage out;
  *out.mutable_group() = group;
  const int g = tally_.FindGroup(group);
  int invited = 0;
  for (const sapi::ExpectedRespondents& expected : input_.expected_respondents) {
    if (expected.group().kind() == group.kind() &&
        expected.group().customer_organization() == group.customer_organization()) {
      invited = expected.invited_count();
    }
  }
  const int respondents = g < 0 ? 0 : static_cast<int>(members_[g].size());
  out.set_invited_count(invited);
  out.set_respondent_count(respondents);
  if (invited > 0) out.set_response_rate(std::min(1.0, static_cast<double>(respondents) / invited));
  const bool few = respondents < options().min_respondents;
  const bool rate_low = invited > 0 && out.response_rate() < options().min_response_rate;
  out.set_low_confidence(few || rate_low);
  if (trace) {
    trace->Conclude(
        "response_rate = respondent_count / invited_count (respondents answered at least one "
        "item, N/A included); low_confidence when respondent_count < min_respondents or "
        "response_rate < min_response_rate",
        "Lagom coverage rule (docs/scoring.md)",
        {{"invited_count", invited},
         {"respondent_count", respondents},
         {"response_rate", out.response_rate()},
         {"min_respondents", options().min_respondents},
         {"min_response_rate", options().min_response_rate}});
  }
  return out;
}

sapi::Coverage Figures::CoverageOf() const {
  sapi::Coverage out;
  out.set_min_respondents(options().min_respondents);
  out.set_min_response_rate(options().min_response_rate);
  bool provider = false;
  bool customer = false;
  for (const ItemInfo& item : model_.items()) {
    provider = provider || item.provider_answers;
    customer = customer || item.customer_answers;
  }
  std::vector<type::ResponseGroup> groups;
  if (provider) groups.push_back(tally_.GroupProto(kProviderGroup));
  if (customer) groups.push_back(tally_.GroupProto(kAllCustomersGroup));
  // Organisations that answered or were expected to, in name order.
  std::vector<std::string> organizations = tally_.organizations();
  for (const sapi::ExpectedRespondents& expected : input_.expected_respondents) {
    if (expected.group().kind() == type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION) {
      organizations.push_back(expected.group().customer_organization());
    }
  }
  std::sort(organizations.begin(), organizations.end());
  organizations.erase(std::unique(organizations.begin(), organizations.end()), organizations.end());
  for (const std::string& organization : organizations) {
    type::ResponseGroup& group = groups.emplace_back();
    group.set_kind(type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
    group.set_customer_organization(organization);
  }
  for (const type::ResponseGroup& group : groups) {
    *out.add_groups() = GroupCoverageOf(group);
    out.set_low_confidence(out.low_confidence() || out.groups().rbegin()->low_confidence());
  }
  return out;
}

}  // namespace lagom::scoring
