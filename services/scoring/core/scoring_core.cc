#include "services/scoring/core/scoring_core.h"

#include <optional>
#include <utility>

#include "services/scoring/core/figures.h"
#include "services/scoring/core/improvements.h"
#include "services/scoring/core/scoring_model.h"
#include "services/scoring/core/tally.h"

namespace lagom::scoring {
namespace {

void AddItemScores(const Figures& figures, sapi::Scorecard& card) {
  const ScoringModel& model = figures.model();
  for (int i = 0; i < static_cast<int>(model.items().size()); ++i) {
    const ItemInfo& item = model.items()[i];
    for (int g = 0; g < figures.tally().group_count(); ++g) {
      const ItemStats& s = figures.Item(g, i);
      if (!figures.Answers(g, i) || s.n + s.na == 0) continue;
      sapi::ItemScore& score = *card.add_item_scores();
      score.set_item_id(item.id());
      score.set_lineage_id(item.lineage_id);
      score.set_area_id(model.areas()[item.area].id());
      *score.mutable_group() = figures.tally().GroupProto(g);
      sapi::ItemStatistics& stats = *score.mutable_statistics();
      stats.set_n(s.n);
      stats.set_na_count(s.na);
      stats.set_mean(s.mean);
      stats.set_median(s.median);
      stats.set_stddev(s.stddev);
      stats.set_normalized_mean(s.normalized);
      stats.set_consensus(s.consensus);
      score.set_low_confidence(s.low_confidence);
    }
  }
}

void AddAreaFigures(const Figures& figures, sapi::Scorecard& card) {
  const ScoringModel& model = figures.model();
  const double tolerance = figures.options().good_enough_tolerance;
  for (int a = 0; a < static_cast<int>(model.areas().size()); ++a) {
    const AreaInfo& area = model.areas()[a];
    for (int g = 0; g < figures.tally().group_count(); ++g) {
      std::optional<AreaResult> result = figures.Area(g, a);
      if (!result) continue;
      sapi::AreaScore& score = *card.add_area_scores();
      score.set_area_id(area.id());
      score.set_lineage_id(area.lineage_id);
      *score.mutable_group() = figures.tally().GroupProto(g);
      score.set_score(result->score);
      score.set_maturity_level(5 * result->score);
      score.set_rating(result->rating);
      for (sapi::ProcessAttributeScore& pa : result->attributes) {
        *score.add_process_attributes() = std::move(pa);
      }
      score.set_capability_level(result->capability_level);
      if (result->samm_practice_score) score.set_samm_practice_score(*result->samm_practice_score);
      score.set_answered_item_count(result->answered_items);
      score.set_na_item_count(result->na_items);
      score.set_low_confidence(result->low_confidence);

      std::optional<GoodEnoughResult> verdict = figures.GoodEnough(g, a);
      sapi::AreaGoodEnough& good = *card.add_good_enough();
      good.set_area_id(area.id());
      good.set_lineage_id(area.lineage_id);
      *good.mutable_group() = score.group();
      *good.mutable_target() = area.target;
      good.set_score(verdict->score);
      good.set_gap_to_target(verdict->gap_to_target);
      good.set_tolerance(tolerance);
      good.set_status(verdict->status);
    }
  }
}

void AddGap(sapi::Scorecard& card, sapi::GapSubjectKind kind, const std::string& subject,
            const std::string& lineage, const std::string& area, const Tally& tally, int group,
            const GapResult& gap) {
  sapi::PerceptionGap& out = *card.add_perception_gaps();
  out.set_subject_kind(kind);
  out.set_subject_id(subject);
  out.set_lineage_id(lineage);
  out.set_area_id(area);
  *out.mutable_customer_group() = tally.GroupProto(group);
  out.set_provider_score(gap.provider);
  out.set_customer_score(gap.customer);
  out.set_gap(gap.gap);
  out.set_low_confidence(gap.low_confidence);
}

void AddPerceptionGaps(const Figures& figures, sapi::Scorecard& card) {
  const ScoringModel& model = figures.model();
  const Tally& tally = figures.tally();
  const int groups = tally.group_count();
  for (const GapSubject& subject : figures.gap_subjects()) {
    for (int g = kAllCustomersGroup; g < groups; ++g) {
      if (std::optional<GapResult> gap = figures.SubjectGap(subject, g)) {
        AddGap(card, sapi::GAP_SUBJECT_KIND_ITEM_PAIR, subject.id, subject.lineage_id,
               model.areas()[subject.area].id(), tally, g, *gap);
      }
    }
  }
  for (int a = 0; a < static_cast<int>(model.areas().size()); ++a) {
    const AreaInfo& area = model.areas()[a];
    for (int g = kAllCustomersGroup; g < groups; ++g) {
      if (std::optional<GapResult> gap = figures.AreaGap(a, g)) {
        AddGap(card, sapi::GAP_SUBJECT_KIND_AREA, area.id(), area.lineage_id, area.id(), tally, g,
               *gap);
      }
    }
  }
  for (int d = qapi::SERVQUAL_DIMENSION_TANGIBLES; d <= qapi::SERVQUAL_DIMENSION_EMPATHY; ++d) {
    const auto dimension = static_cast<qapi::ServqualDimension>(d);
    for (int g = kAllCustomersGroup; g < groups; ++g) {
      if (std::optional<GapResult> gap = figures.DimensionGap(dimension, g)) {
        const std::string name = DimensionName(dimension);
        AddGap(card, sapi::GAP_SUBJECT_KIND_SERVQUAL_DIMENSION, name, name, "", tally, g, *gap);
      }
    }
  }
}

void AddServqual(sapi::Scorecard& card, qapi::ServqualDimension dimension,
                 const std::string& item_id, const type::ResponseGroup& group,
                 const ServqualResult& result) {
  sapi::ServqualGap& out = *card.add_servqual_gaps();
  out.set_dimension(dimension);
  out.set_item_id(item_id);
  *out.mutable_group() = group;
  out.set_expectation(result.expectation);
  out.set_perception(result.perception);
  out.set_gap(result.gap);
  out.set_low_confidence(result.low_confidence);
}

// Per dimension: the dimension as a whole for each customer group, then its items.
void AddServqualGaps(const Figures& figures, sapi::Scorecard& card) {
  const std::vector<ItemInfo>& items = figures.model().items();
  const Tally& tally = figures.tally();
  for (int d = qapi::SERVQUAL_DIMENSION_TANGIBLES; d <= qapi::SERVQUAL_DIMENSION_EMPATHY; ++d) {
    const auto dimension = static_cast<qapi::ServqualDimension>(d);
    for (int g = kAllCustomersGroup; g < tally.group_count(); ++g) {
      if (std::optional<ServqualResult> gap = figures.DimensionServqual(dimension, g)) {
        AddServqual(card, dimension, "", tally.GroupProto(g), *gap);
      }
    }
    for (int i = 0; i < static_cast<int>(items.size()); ++i) {
      if (items[i].item->servqual_dimension() != dimension) continue;
      for (int g = kAllCustomersGroup; g < tally.group_count(); ++g) {
        if (std::optional<ServqualResult> gap = figures.ItemServqual(i, g)) {
          AddServqual(card, dimension, items[i].id(), tally.GroupProto(g), *gap);
        }
      }
    }
  }
}

}  // namespace

absl::StatusOr<sapi::Scorecard> Score(const ScoringInput& input) {
  absl::StatusOr<ScoringModel> model = ScoringModel::Build(input);
  if (!model.ok()) return model.status();
  absl::StatusOr<Tally> tally = Aggregate(*model, input.answers);
  if (!tally.ok()) return tally.status();
  const Figures figures(*model, *tally, input);

  sapi::Scorecard card;
  card.set_model_version(input.model_version);
  card.set_model_content_hash(input.model_content_hash);
  card.set_method_version(input.options.method_version);
  for (const std::string& organization : tally->organizations()) {
    card.add_customer_organizations(organization);
  }
  AddItemScores(figures, card);
  AddAreaFigures(figures, card);
  AddPerceptionGaps(figures, card);
  AddServqualGaps(figures, card);
  for (sapi::Improvement& improvement : Improvements(figures)) {
    *card.add_improvements() = std::move(improvement);
  }
  *card.mutable_coverage() = figures.CoverageOf();
  return card;
}

}  // namespace lagom::scoring
