#include "services/reporting/core/figures.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace lagom::reporting {
namespace {

// (lineage, group kind, organisation): one figure row.
using FigureKey = std::tuple<std::string, int, std::string>;

FigureKey KeyOf(const std::string& lineage, const tapi::ResponseGroup& group) {
  return {lineage, group.kind(), group.customer_organization()};
}

FigureKey KeyOf(const AreaFigure& f) {
  return {f.area_lineage_id, f.group_kind, f.customer_organization};
}

// Collects the figures of one scorecard, one row per key, in the order areas first appear.
class FigureTable {
 public:
  // The row for (lineage, group), created (with `area_id`) on first use.
  AreaFigure& Row(const std::string& lineage, const std::string& area_id,
                  const tapi::ResponseGroup& group) {
    auto [it, added] = index_.try_emplace(KeyOf(lineage, group), rows_.size());
    if (added) {
      auto position = positions_.try_emplace(lineage, positions_.size()).first;
      AreaFigure f;
      f.area_lineage_id = lineage;
      f.area_id = area_id;
      f.position = static_cast<int>(position->second);
      f.group_kind = group.kind();
      f.customer_organization = group.customer_organization();
      rows_.push_back(std::move(f));
    }
    return rows_[it->second];
  }

  std::vector<AreaFigure> Take() && { return std::move(rows_); }

 private:
  std::vector<AreaFigure> rows_;
  std::map<FigureKey, size_t> index_;
  absl::flat_hash_map<std::string, size_t> positions_;
};

}  // namespace

std::vector<AreaFigure> AreaFiguresOf(const sapi::Scorecard& scorecard) {
  // Perception gaps may omit the lineage: the area's own lineage is known from its scores.
  absl::flat_hash_map<std::string, std::string> lineage_of_area;
  auto lineage = [&](const std::string& lineage_id, const std::string& area_id) {
    if (!lineage_id.empty()) return lineage_id;
    auto known = lineage_of_area.find(area_id);
    return known != lineage_of_area.end() ? known->second : area_id;
  };
  FigureTable table;
  for (const sapi::AreaScore& a : scorecard.area_scores()) {
    const std::string l = lineage(a.lineage_id(), a.area_id());
    lineage_of_area.try_emplace(a.area_id(), l);
    AreaFigure& f = table.Row(l, a.area_id(), a.group());
    f.score = a.score();
    f.low_confidence = a.low_confidence();
  }
  for (const sapi::AreaGoodEnough& g : scorecard.good_enough()) {
    AreaFigure& f = table.Row(lineage(g.lineage_id(), g.area_id()), g.area_id(), g.group());
    f.gap_to_target = g.gap_to_target();
    f.status = g.status();
  }
  for (const sapi::PerceptionGap& gap : scorecard.perception_gaps()) {
    if (gap.subject_kind() != sapi::GAP_SUBJECT_KIND_AREA) continue;
    const std::string& area_id = gap.area_id().empty() ? gap.subject_id() : gap.area_id();
    AreaFigure& f = table.Row(lineage(gap.lineage_id(), area_id), area_id, gap.customer_group());
    f.perception_gap = gap.gap();
    f.perception_gap_low_confidence = gap.low_confidence();
  }
  return std::move(table).Take();
}

namespace {

// One scorecard's figures by key, its lineages in order, and each lineage's area id.
struct FigureIndex {
  std::map<FigureKey, const AreaFigure*> by_key;
  std::vector<std::string> lineages;
  absl::flat_hash_map<std::string, std::string> area_id;

  explicit FigureIndex(const std::vector<AreaFigure>& figures) {
    std::vector<const AreaFigure*> ordered;
    for (const AreaFigure& f : figures) ordered.push_back(&f);
    std::stable_sort(ordered.begin(), ordered.end(), [](const AreaFigure* a, const AreaFigure* b) {
      return a->position < b->position;
    });
    for (const AreaFigure* f : ordered) {
      by_key.emplace(KeyOf(*f), f);
      if (area_id.try_emplace(f->area_lineage_id, f->area_id).second) {
        lineages.push_back(f->area_lineage_id);
      }
    }
  }

  const AreaFigure* Find(const std::string& lineage, const tapi::ResponseGroup& group) const {
    auto it = by_key.find(KeyOf(lineage, group));
    return it == by_key.end() ? nullptr : it->second;
  }
  std::string AreaIdOf(const std::string& lineage) const {
    auto it = area_id.find(lineage);
    return it == area_id.end() ? "" : it->second;
  }
};

api::AreaComparison CompareOne(const std::string& lineage, const tapi::ResponseGroup& group,
                               const FigureIndex& base, const FigureIndex& comparison,
                               const AreaFigure* b, const AreaFigure* c) {
  api::AreaComparison out;
  out.set_lineage_id(lineage);
  out.set_base_area_id(base.AreaIdOf(lineage));
  out.set_comparison_area_id(comparison.AreaIdOf(lineage));
  *out.mutable_group() = group;
  if (b != nullptr) {
    if (b->score) out.set_base_score(*b->score);
    out.set_base_status(b->status);
    if (b->perception_gap) out.set_base_perception_gap(*b->perception_gap);
  }
  if (c != nullptr) {
    if (c->score) out.set_comparison_score(*c->score);
    out.set_comparison_status(c->status);
    if (c->perception_gap) out.set_comparison_perception_gap(*c->perception_gap);
  }
  if (out.has_base_score() && out.has_comparison_score()) {
    out.set_delta(out.comparison_score() - out.base_score());
  }
  return out;
}

}  // namespace

std::vector<api::AreaComparison> CompareFigures(const std::vector<AreaFigure>& base,
                                                const std::vector<AreaFigure>& comparison,
                                                const std::vector<tapi::ResponseGroup>& groups) {
  const FigureIndex b(base);
  const FigureIndex c(comparison);
  std::vector<std::string> lineages = b.lineages;
  for (const std::string& l : c.lineages) {
    if (!b.area_id.contains(l)) lineages.push_back(l);
  }
  std::vector<api::AreaComparison> out;
  for (const std::string& lineage : lineages) {
    for (const tapi::ResponseGroup& group : groups) {
      const AreaFigure* in_base = b.Find(lineage, group);
      const AreaFigure* in_comparison = c.Find(lineage, group);
      if (in_base == nullptr && in_comparison == nullptr) continue;
      out.push_back(CompareOne(lineage, group, b, c, in_base, in_comparison));
    }
  }
  return out;
}

double NearestRankPercentile(const std::vector<double>& sorted, int percent) {
  const size_t n = sorted.size();
  const size_t rank = (static_cast<size_t>(std::clamp(percent, 0, 100)) * n + 99) / 100;
  return sorted[std::clamp<size_t>(rank, 1, n) - 1];
}

api::AreaBenchmark SummariseBenchmark(const BenchmarkSample& sample) {
  api::AreaBenchmark out;
  out.set_area_lineage_id(sample.area_lineage_id);
  if (sample.own_score) out.set_own_score(*sample.own_score);
  // k / 20 is the closest double to each step (k × 0.05 would send 0.30000000000000004).
  // Rounding keeps the order, so their nearest ranks are the peers' own, rounded. A score
  // outside 0–1 cannot be recorded; one found anyway is left out rather than sorted.
  constexpr double kStepsPerUnit = kBenchmarkStepsPerUnit;
  std::vector<double> stepped;
  stepped.reserve(sample.peer_scores.size());
  for (const double score : sample.peer_scores) {
    if (!std::isfinite(score) || score < 0 || score > 1) continue;
    stepped.push_back(std::round(score * kStepsPerUnit) / kStepsPerUnit);
  }
  const int count = static_cast<int>(stepped.size());
  if (count < kMinBenchmarkTenants) {
    out.set_suppressed(true);
    return out;
  }
  std::sort(stepped.begin(), stepped.end());
  out.set_tenant_count(count);
  out.set_p25(NearestRankPercentile(stepped, 25));
  out.set_p50(NearestRankPercentile(stepped, 50));
  out.set_p75(NearestRankPercentile(stepped, 75));
  if (count < kMinBenchmarkTailTenants) {
    out.set_tails_withheld(true);
  } else {
    out.set_p10(NearestRankPercentile(stepped, 10));
    out.set_p90(NearestRankPercentile(stepped, 90));
  }
  return out;
}

}  // namespace lagom::reporting
