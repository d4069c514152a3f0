#include "services/scoring/core/explain.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/resource_util.h"
#include "services/scoring/core/figures.h"
#include "services/scoring/core/improvements.h"
#include "services/scoring/core/iso33020.h"
#include "services/scoring/core/scoring_model.h"
#include "services/scoring/core/tally.h"

namespace lagom::scoring {
namespace {

absl::Status Bad(std::string field, std::string description) {
  Violations v;
  v.Add(std::move(field), std::move(description));
  return std::move(v).ToStatus("invalid figure");
}

// A figure's values by metric name; the first is its main value.
using Metrics = std::vector<std::pair<std::string, double>>;

std::string Names(const Metrics& metrics) {
  return absl::StrJoin(metrics, ", ",
                       [](std::string* out, const auto& m) { out->append(m.first); });
}

std::string AttributeMetric(qapi::ProcessAttribute attribute) {
  return std::string(
      absl::StripPrefix(qapi::ProcessAttribute_Name(attribute), "PROCESS_ATTRIBUTE_"));
}

// Resolves a FigureReference against the figures and computes it with a trace.
class Explainer final {
 public:
  Explainer(const Figures& figures, const sapi::FigureReference& figure)
      : figures_(figures), model_(figures.model()), tally_(figures.tally()), figure_(figure) {}

  absl::StatusOr<double> Run(Trace& trace) {
    absl::StatusOr<Metrics> metrics = Compute(trace);
    if (!metrics.ok()) return metrics.status();
    const std::string& metric = figure_.metric();
    if (metric.empty()) return metrics->front().second;
    for (const auto& [name, value] : *metrics) {
      if (name == metric) return value;
    }
    return Bad("figure.metric",
               absl::StrCat("unknown metric '", metric, "' for ",
                            sapi::FigureKind_Name(figure_.kind()), "; allowed: ", Names(*metrics)));
  }

 private:
  absl::StatusOr<Metrics> Compute(Trace& trace) {
    switch (figure_.kind()) {
      case sapi::FIGURE_KIND_ITEM_STATISTIC:
        return ItemStatistic(trace);
      case sapi::FIGURE_KIND_AREA_SCORE:
        return AreaScore(trace);
      case sapi::FIGURE_KIND_PERCEPTION_GAP:
        return PerceptionGap(trace);
      case sapi::FIGURE_KIND_SERVQUAL_GAP:
        return ServqualGap(trace);
      case sapi::FIGURE_KIND_GOOD_ENOUGH:
        return GoodEnough(trace);
      case sapi::FIGURE_KIND_IMPROVEMENT_PRIORITY:
        return ImprovementPriority(trace);
      case sapi::FIGURE_KIND_COVERAGE:
        return Coverage(trace);
      default:
        return Bad("figure.kind",
                   "required: FIGURE_KIND_ITEM_STATISTIC, FIGURE_KIND_AREA_SCORE, "
                   "FIGURE_KIND_PERCEPTION_GAP, FIGURE_KIND_SERVQUAL_GAP, FIGURE_KIND_GOOD_ENOUGH, "
                   "FIGURE_KIND_IMPROVEMENT_PRIORITY or FIGURE_KIND_COVERAGE");
    }
  }

  absl::StatusOr<int> ItemOf(const std::string& field, const std::string& id) const {
    if (id.empty()) return Bad(field, "required");
    const int item = model_.FindItem(id);
    if (item < 0) {
      return Bad(field, absl::StrCat("unknown item '", id,
                                     "' (not in the scored areas: ", model_.AreaIds(), ")"));
    }
    return item;
  }

  absl::StatusOr<int> AreaOf(const std::string& field, const std::string& id) const {
    if (id.empty()) return Bad(field, "required");
    const int area = model_.FindArea(id);
    if (area < 0) {
      return Bad(field,
                 absl::StrCat("unknown area '", id, "'; the areas in scope: ", model_.AreaIds()));
    }
    return area;
  }

  // The group of the figure; `customers_only` for figures that compare with the provider.
  absl::StatusOr<int> GroupOf(bool customers_only) const {
    const type::ResponseGroup& group = figure_.group();
    if (absl::Status s = CheckGroup(group); !s.ok()) return s;
    if (customers_only && group.kind() == type::RESPONSE_GROUP_KIND_PROVIDER) {
      return Bad("figure.group.kind",
                 "this figure compares the provider with a customer group; give "
                 "RESPONSE_GROUP_KIND_ALL_CUSTOMERS or RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION");
    }
    const int g = tally_.FindGroup(group);
    if (g < 0) {
      const std::string known = absl::StrJoin(tally_.organizations(), ", ");
      return Bad("figure.group.customer_organization",
                 absl::StrCat("no answers from organisation '", group.customer_organization(),
                              "'; organisations that answered: ", known.empty() ? "none" : known));
    }
    return g;
  }

  static absl::Status CheckGroup(const type::ResponseGroup& group) {
    Violations v;
    CheckResponseGroup(group, "figure.group", v);
    return v.empty() ? absl::OkStatus() : std::move(v).ToStatus("invalid figure");
  }

  // The figure of `what` `id` ("item", "x") would need value answers from `group`.
  absl::Status NoFigure(const std::string& field, absl::string_view what, const std::string& id,
                        int group) const {
    return Bad(field, absl::StrCat("the scorecard has no such figure: no value answers to ", what,
                                   " '", id, "' from ", tally_.GroupName(group)));
  }

  absl::StatusOr<Metrics> ItemStatistic(Trace& trace) {
    absl::StatusOr<int> item = ItemOf("figure.item_id", figure_.item_id());
    if (!item.ok()) return item.status();
    absl::StatusOr<int> group = GroupOf(false);
    if (!group.ok()) return group.status();
    if (!figures_.Answers(*group, *item)) {
      return Bad("figure.group", absl::StrCat("item '", figure_.item_id(), "' is not answered by ",
                                              tally_.GroupName(*group)));
    }
    const ItemStats& s = figures_.Item(*group, *item);
    if (s.n + s.na == 0) return NoFigure("figure.item_id", "item", figure_.item_id(), *group);
    figures_.TraceItem(*group, *item, trace);
    return Metrics{{"normalized_mean", s.normalized},
                   {"n", s.n},
                   {"na_count", s.na},
                   {"mean", s.mean},
                   {"median", s.median},
                   {"stddev", s.stddev},
                   {"consensus", s.consensus}};
  }

  absl::StatusOr<Metrics> AreaScore(Trace& trace) {
    absl::StatusOr<int> area = AreaOf("figure.area_id", figure_.area_id());
    if (!area.ok()) return area.status();
    absl::StatusOr<int> group = GroupOf(false);
    if (!group.ok()) return group.status();
    std::optional<AreaResult> result = figures_.Area(*group, *area, &trace);
    if (!result) return NoFigure("figure.area_id", "area", figure_.area_id(), *group);
    Metrics metrics = {{"score", result->score},
                       {"maturity_level", 5 * result->score},
                       {"rating", result->rating},
                       {"capability_level", result->capability_level}};
    if (result->samm_practice_score) {
      metrics.emplace_back("samm_practice_score", *result->samm_practice_score);
    }
    for (const sapi::ProcessAttributeScore& pa : result->attributes) {
      metrics.emplace_back(AttributeMetric(pa.attribute()), pa.achievement());
    }
    const std::string& metric = figure_.metric();
    if (metric == "rating" || metric == "capability_level" || absl::StartsWith(metric, "PA_")) {
      trace.method_reference = kIso33020Reference;
      trace.formula =
          metric == "capability_level"
              ? "capability level n when every attribute of level n is rated L or F and every "
                "attribute of the lower levels F (an attribute without evidence is not achieved)"
              : "achievement = Σ wᵢ·xᵢ / Σ wᵢ over the items (mapped to the attribute); rating of "
                "100 × achievement: N 0–15 %, P >15–50 %, L >50–85 %, F >85–100 % (a boundary "
                "belongs to the lower rating)";
    } else if (metric == "samm_practice_score") {
      trace.method_reference = "OWASP SAMM 2.0 scoring";
      trace.formula =
          "practice score = Σ over levels 1–3 of the mean over the level's streams of "
          "the stream's weighted item mean (0 / 0.25 / 0.5 / 1); 0–3";
    }
    return metrics;
  }

  absl::StatusOr<Metrics> PerceptionGap(Trace& trace) {
    absl::StatusOr<int> group = GroupOf(true);
    if (!group.ok()) return group.status();
    const std::string& id = figure_.subject_id();
    std::optional<GapResult> gap;
    switch (figure_.gap_subject_kind()) {
      case sapi::GAP_SUBJECT_KIND_ITEM_PAIR: {
        const std::vector<GapSubject>& subjects = figures_.gap_subjects();
        auto it = std::find_if(subjects.begin(), subjects.end(),
                               [&](const GapSubject& s) { return s.id == id; });
        if (it == subjects.end()) {
          return Bad(
              "figure.subject_id",
              absl::StrCat("unknown pair id or BOTH item '", id, "'; known: ",
                           absl::StrJoin(subjects, ", ", [](std::string* out, const GapSubject& s) {
                             out->append(s.id);
                           })));
        }
        gap = figures_.SubjectGap(*it, *group, &trace);
        break;
      }
      case sapi::GAP_SUBJECT_KIND_AREA: {
        absl::StatusOr<int> area = AreaOf("figure.subject_id", id);
        if (!area.ok()) return area.status();
        gap = figures_.AreaGap(*area, *group, &trace);
        break;
      }
      case sapi::GAP_SUBJECT_KIND_SERVQUAL_DIMENSION: {
        qapi::ServqualDimension dimension;
        if (!qapi::ServqualDimension_Parse("SERVQUAL_DIMENSION_" + id, &dimension) ||
            dimension == qapi::SERVQUAL_DIMENSION_UNSPECIFIED) {
          return Bad("figure.subject_id",
                     absl::StrCat("unknown SERVQUAL dimension '", id,
                                  "'; allowed: TANGIBLES, RELIABILITY, RESPONSIVENESS, ASSURANCE, "
                                  "EMPATHY"));
        }
        gap = figures_.DimensionGap(dimension, *group, &trace);
        break;
      }
      default:
        return Bad("figure.gap_subject_kind",
                   "required: GAP_SUBJECT_KIND_ITEM_PAIR, GAP_SUBJECT_KIND_AREA or "
                   "GAP_SUBJECT_KIND_SERVQUAL_DIMENSION");
    }
    if (!gap) {
      return Bad("figure.subject_id",
                 absl::StrCat("the scorecard has no such figure: '", id,
                              "' lacks value answers from PROVIDER or ", tally_.GroupName(*group)));
    }
    return Metrics{
        {"gap", gap->gap}, {"provider_score", gap->provider}, {"customer_score", gap->customer}};
  }

  absl::StatusOr<Metrics> ServqualGap(Trace& trace) {
    const qapi::ServqualDimension dimension = figure_.servqual_dimension();
    if (dimension == qapi::SERVQUAL_DIMENSION_UNSPECIFIED ||
        !qapi::ServqualDimension_IsValid(dimension)) {
      return Bad("figure.servqual_dimension",
                 "required: SERVQUAL_DIMENSION_TANGIBLES, SERVQUAL_DIMENSION_RELIABILITY, "
                 "SERVQUAL_DIMENSION_RESPONSIVENESS, SERVQUAL_DIMENSION_ASSURANCE or "
                 "SERVQUAL_DIMENSION_EMPATHY");
    }
    absl::StatusOr<int> group = GroupOf(true);
    if (!group.ok()) return group.status();
    std::optional<ServqualResult> gap;
    if (figure_.item_id().empty()) {
      gap = figures_.DimensionServqual(dimension, *group, &trace);
    } else {
      absl::StatusOr<int> item = ItemOf("figure.item_id", figure_.item_id());
      if (!item.ok()) return item.status();
      const ItemInfo& info = model_.items()[*item];
      if (info.item->servqual_dimension() != dimension || !info.wants_expectation) {
        return Bad(
            "figure.item_id",
            absl::StrCat("item '", info.id(), "' does not ask expectation and perception in ",
                         qapi::ServqualDimension_Name(dimension), " (SERVQUAL_ASPECT_BOTH)"));
      }
      gap = figures_.ItemServqual(*item, *group, &trace);
    }
    if (!gap) {
      return Bad(figure_.item_id().empty() ? "figure.servqual_dimension" : "figure.item_id",
                 absl::StrCat("the scorecard has no such figure: no expectation and perception "
                              "answers from ",
                              tally_.GroupName(*group)));
    }
    return Metrics{
        {"gap", gap->gap}, {"expectation", gap->expectation}, {"perception", gap->perception}};
  }

  absl::StatusOr<Metrics> GoodEnough(Trace& trace) {
    absl::StatusOr<int> area = AreaOf("figure.area_id", figure_.area_id());
    if (!area.ok()) return area.status();
    absl::StatusOr<int> group = GroupOf(false);
    if (!group.ok()) return group.status();
    std::optional<GoodEnoughResult> result = figures_.GoodEnough(*group, *area, &trace);
    if (!result) return NoFigure("figure.area_id", "area", figure_.area_id(), *group);
    return Metrics{{"gap_to_target", result->gap_to_target},
                   {"score", result->score},
                   {"target", model_.areas()[*area].target.target_score()},
                   {"status", result->status}};
  }

  absl::StatusOr<Metrics> ImprovementPriority(Trace& trace) {
    if (figure_.item_id().empty()) {
      return Bad("figure.item_id", "required: improvements are listed per item");
    }
    absl::StatusOr<int> item = ItemOf("figure.item_id", figure_.item_id());
    if (!item.ok()) return item.status();
    if (CandidateCheck check = CheckCandidate(figures_, *item); !check.ok) {
      return Bad("figure.item_id", check.reason);
    }
    std::optional<Priority> priority = PriorityOf(figures_, *item, &trace);
    if (!priority) {
      return Bad("figure.item_id",
                 absl::StrCat("the scorecard has no such figure: no value answers "
                              "to item '",
                              figure_.item_id(), "'"));
    }
    int rank = 0;
    for (const sapi::Improvement& improvement : Improvements(figures_)) {
      if (improvement.item_id() == figure_.item_id()) rank = improvement.rank();
    }
    trace.Add("rank (0 = not listed)", rank);
    return Metrics{{"priority_score", priority->improvement.priority_score()}, {"rank", rank}};
  }

  absl::StatusOr<Metrics> Coverage(Trace& trace) {
    const type::ResponseGroup& group = figure_.group();
    if (absl::Status s = CheckGroup(group); !s.ok()) return s;
    const sapi::GroupCoverage coverage = figures_.GroupCoverageOf(group, &trace);
    return Metrics{{"response_rate", coverage.response_rate()},
                   {"respondent_count", coverage.respondent_count()},
                   {"invited_count", coverage.invited_count()}};
  }

  const Figures& figures_;
  const ScoringModel& model_;
  const Tally& tally_;
  const sapi::FigureReference& figure_;
};

// The answers behind (group, item) pairs, each once, in model order then by respondent id.
void AddAnswers(const ScoringInput& input, const Figures& figures, const Trace& trace,
                sapi::Explanation& out) {
  const Tally& tally = figures.tally();
  absl::flat_hash_set<int32_t> seen;
  // (item, respondent id, answer index, respondent index)
  std::vector<std::tuple<int, absl::string_view, int32_t, int>> found;
  for (const auto& [group, item] : trace.answers) {
    for (int r : figures.members(group)) {
      const int32_t answer = tally.Counted(r, item);
      if (answer >= 0 && seen.insert(answer).second) {
        found.emplace_back(item, tally.respondents()[r].id, answer, r);
      }
    }
  }
  std::sort(found.begin(), found.end());
  for (const auto& [item, id, index, respondent] : found) {
    const ScoringAnswer& answer = input.answers[index];
    const ItemInfo& info = figures.model().items()[item];
    sapi::ContributingAnswer& c = *out.add_answers();
    c.set_answer(answer.answer_name);
    c.set_item_id(answer.item_id);
    *c.mutable_group() = tally.GroupProto(tally.respondents()[respondent].group);
    if (answer.value) {
      c.set_value(*answer.value);
      c.set_normalized_value(info.scale->Normalize(*answer.value));
    } else {
      c.set_not_applicable(true);
    }
    c.set_round(answer.round);
  }
}

}  // namespace

absl::StatusOr<sapi::Explanation> Explain(const ScoringInput& input,
                                          const sapi::FigureReference& figure) {
  absl::StatusOr<ScoringModel> model = ScoringModel::Build(input);
  if (!model.ok()) return model.status();
  absl::StatusOr<Tally> tally = Aggregate(*model, input.answers);
  if (!tally.ok()) return tally.status();
  const Figures figures(*model, *tally, input);

  Trace trace;
  absl::StatusOr<double> value = Explainer(figures, figure).Run(trace);
  if (!value.ok()) return value.status();
  sapi::Explanation out;
  *out.mutable_figure() = figure;
  out.set_value(*value);
  out.set_formula(trace.formula);
  out.set_method_reference(trace.method_reference);
  for (sapi::IntermediateValue& v : trace.values) *out.add_intermediate_values() = std::move(v);
  for (sapi::FigureReference& f : trace.inputs) *out.add_inputs() = std::move(f);
  AddAnswers(input, figures, trace, out);
  return out;
}

}  // namespace lagom::scoring
