#include "services/scoring/core/improvements.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace lagom::scoring {
namespace {

// Differences smaller than this are floating-point noise, not a shortfall.
constexpr double kNoise = 1e-9;

constexpr char kPriorityReference[] =
    "Lagom improvement priority (docs/scoring.md), combining the good-enough target, the "
    "Parasuraman, Zeithaml & Berry gap model and SERVQUAL";

// The items whose answers speak for an improvement: the provider's view and the customers'.
struct Sides {
  int provider = -1;
  int customer = -1;
};

Sides SidesOf(const Figures& figures, int item) {
  const ItemInfo& info = figures.model().items()[item];
  Sides sides;
  if (info.provider_answers) sides.provider = item;
  if (info.customer_answers) {
    sides.customer = item;
  } else if (info.partner >= 0 && figures.Measures(info.partner)) {
    sides.customer = info.partner;
  }
  return sides;
}

// How close the mean is to the next level of its scale: 1 − distance / step, 0 at the top.
double EffortOf(const ScaleInfo& scale, double mean, double& next_level) {
  for (int k = 1; k < scale.size; ++k) {
    if (scale.values[k] > mean + kNoise) {
      next_level = scale.values[k];
      return 1 - (scale.values[k] - mean) / (scale.values[k] - scale.values[k - 1]);
    }
  }
  return 0;
}

double MaxWeightIn(const Figures& figures, int area) {
  double max = 0;
  for (int i : figures.model().areas()[area].items) {
    if (figures.Measures(i)) max = std::max(max, figures.model().items()[i].weight);
  }
  return max;
}

std::string Number(double value, bool swedish) {
  std::string text = absl::StrFormat("%.2f", value);
  if (swedish) std::replace(text.begin(), text.end(), '.', ',');
  return text;
}

std::string Sentence(const std::vector<std::string>& clauses) {
  std::string text = absl::StrJoin(clauses, "; ");
  if (!text.empty()) text[0] = absl::ascii_toupper(static_cast<unsigned char>(text[0]));
  return text + ".";
}

// The item's text in `language`, else in the model's default language, else any.
std::string TextOf(const qapi::Item& item, const std::string& language,
                   const std::string& default_language) {
  const auto& translations = item.text().translations();
  if (auto it = translations.find(language); it != translations.end()) return it->second;
  if (auto it = translations.find(default_language); it != translations.end()) return it->second;
  return translations.empty() ? item.id() : translations.begin()->second;
}

// The figures a rationale cites.
struct Facts {
  const ItemStats* provider = nullptr;
  const ItemStats* customer = nullptr;  // ALL_CUSTOMERS
  double target = 0;
  double perception_gap = 0;
  int organizations = 0;
  int organizations_below = 0;
  std::optional<ServqualResult> servqual;
  bool quick_win = false;
  double mean = 0;
  double next_level = 0;
  // The factors (docs/scoring.md) and what they are made of.
  double provider_shortfall = 0;
  double customer_shortfall = 0;
  double gap_to_target = 0;
  double servqual_gap = 0;
  double item_weight = 0;
  double consensus = 0;
  double effort = 0;
  bool listed = false;
};

std::string Rationale(const Facts& f, bool sv) {
  std::vector<std::string> clauses;
  std::vector<std::string> scores;
  if (f.provider) {
    scores.push_back(
        absl::StrCat(sv ? "leverantören " : "provider ", Number(f.provider->normalized, sv)));
  }
  if (f.customer) {
    scores.push_back(
        absl::StrCat(sv ? "kunderna " : "customers ", Number(f.customer->normalized, sv)));
  }
  clauses.push_back(absl::StrCat(absl::StrJoin(scores, ", "),
                                 sv ? " mot områdets mål " : " against the area target ",
                                 Number(f.target, sv)));
  if (f.perception_gap > kNoise) {
    clauses.push_back(
        sv ? absl::StrCat("kunderna ger ", Number(f.perception_gap, sv), " lägre än leverantören")
           : absl::StrCat("customers rate it ", Number(f.perception_gap, sv),
                          " lower than the provider"));
  }
  if (f.organizations_below > 0) {
    clauses.push_back(sv ? absl::StrCat(f.organizations_below, " av ", f.organizations,
                                        " kundorganisationer under målet")
                         : absl::StrCat(f.organizations_below, " of ", f.organizations,
                                        " customer organisations below target"));
  }
  if (f.servqual && f.servqual->gap < -kNoise) {
    clauses.push_back(absl::StrCat(
        sv ? "upplevelse " : "perception ", Number(f.servqual->perception, sv),
        sv ? " under förväntan " : " below expectation ", Number(f.servqual->expectation, sv)));
  }
  if (f.quick_win) {
    clauses.push_back(
        absl::StrCat(sv ? "snabb vinst: medel " : "quick win: mean ", Number(f.mean, sv),
                     sv ? " är nära nivå " : " is close to level ", absl::StrCat(f.next_level)));
  }
  return Sentence(clauses);
}

void AddComponent(sapi::Improvement& improvement, sapi::PriorityFactor factor, double value,
                  double weight) {
  sapi::PriorityComponent& c = *improvement.add_components();
  c.set_factor(factor);
  c.set_value(value);
  c.set_weight(weight);
  c.set_contribution(value * weight);
  improvement.set_priority_score(improvement.priority_score() + c.contribution());
}

}  // namespace

CandidateCheck CheckCandidate(const Figures& figures, int item) {
  const ItemInfo& info = figures.model().items()[item];
  if (!figures.Measures(item)) {
    return {false, absl::StrCat("item '", info.id(),
                                "' asks for expectations (SERVQUAL_ASPECT_EXPECTATION); it has "
                                "no improvement of its own")};
  }
  if (!info.provider_answers && info.partner >= 0) {
    return {false, absl::StrCat("item '", info.id(), "' is the customer half of pair '",
                                info.item->pair_id(), "'; its improvement is listed under item '",
                                figures.model().items()[info.partner].id(), "'")};
  }
  return {true, ""};
}

namespace {

// Gap to target, customer-weighted: the customers' shortfall counts twice the provider's, and is
// averaged over the organisations, so it grows with how many of them feel it.
void GapToTarget(const Figures& figures, int customer_item, Facts& f, Trace* trace) {
  f.provider_shortfall = f.provider ? std::max(0.0, f.target - f.provider->normalized) : 0;
  double organization_shortfall = 0;
  for (int g = kFirstOrganizationGroup; customer_item >= 0 && g < figures.tally().group_count();
       ++g) {
    const ItemStats& s = figures.Item(g, customer_item);
    if (s.n == 0) continue;
    const double shortfall = std::max(0.0, f.target - s.normalized);
    ++f.organizations;
    if (shortfall > kNoise) ++f.organizations_below;
    organization_shortfall += shortfall;
    if (trace) {
      trace->Add(absl::StrCat("organisation:", figures.tally().GroupName(g), ".shortfall"),
                 shortfall);
    }
  }
  f.customer_shortfall = f.organizations > 0 ? organization_shortfall / f.organizations
                         : f.customer        ? std::max(0.0, f.target - f.customer->normalized)
                                             : 0;
  f.gap_to_target = f.provider && f.customer ? (f.provider_shortfall + 2 * f.customer_shortfall) / 3
                    : f.provider             ? f.provider_shortfall
                                             : f.customer_shortfall;
}

// Everything the priority of `item` is computed from; false when nobody answered it.
bool FactsOf(const Figures& figures, int item, Facts& f, Trace* trace) {
  const ScoringModel& model = figures.model();
  const ItemInfo& info = model.items()[item];
  const Sides sides = SidesOf(figures, item);
  if (sides.provider >= 0 && figures.Item(kProviderGroup, sides.provider).n > 0) {
    f.provider = &figures.Item(kProviderGroup, sides.provider);
  }
  if (sides.customer >= 0 && figures.Item(kAllCustomersGroup, sides.customer).n > 0) {
    f.customer = &figures.Item(kAllCustomersGroup, sides.customer);
  }
  if (!f.provider && !f.customer) return false;
  f.target = model.areas()[info.area].target.target_score();
  GapToTarget(figures, sides.customer, f, trace);
  f.perception_gap =
      f.provider && f.customer ? std::max(0.0, f.provider->normalized - f.customer->normalized) : 0;
  if (sides.customer >= 0) f.servqual = figures.ItemServqual(sides.customer, kAllCustomersGroup);
  f.servqual_gap = f.servqual ? std::max(0.0, -f.servqual->gap) : 0;
  const double max_weight = MaxWeightIn(figures, info.area);
  f.item_weight = max_weight > 0 ? info.weight / max_weight : 0;
  f.consensus = f.customer ? f.customer->consensus : f.provider->consensus;
  f.mean = (f.provider ? f.provider : f.customer)->mean;
  const int effort_item = f.provider ? sides.provider : sides.customer;
  f.effort = EffortOf(*model.items()[effort_item].scale, f.mean, f.next_level);

  f.listed = f.gap_to_target > kNoise || f.perception_gap > kNoise || f.servqual_gap > kNoise;
  const bool customers_feel_it =
      f.customer_shortfall > kNoise || f.perception_gap > kNoise || f.servqual_gap > kNoise;
  f.quick_win = f.listed && customers_feel_it && f.effort >= kQuickWinEffort;
  if (trace) {
    const Tally& tally = figures.tally();
    const std::pair<int, int> views[] = {{kProviderGroup, sides.provider},
                                         {kAllCustomersGroup, sides.customer}};
    for (const auto& [group, side] : views) {
      if (side < 0 || figures.Item(group, side).n == 0) continue;
      trace->inputs.push_back(ItemFigure(model.items()[side].id(), tally.GroupProto(group)));
      trace->answers.emplace_back(group, side);
    }
  }
  return true;
}

sapi::Improvement ImprovementOf(const ScoringModel& model, const ItemInfo& item, const Facts& f) {
  sapi::Improvement out;
  out.set_area_id(model.areas()[item.area].id());
  out.set_item_id(item.id());
  out.set_lineage_id(item.lineage_id);
  out.set_quick_win(f.quick_win);
  const std::string& fallback = model.default_language();
  (*out.mutable_title()->mutable_translations())["en"] =
      absl::StrCat("Improve: ", TextOf(*item.item, "en", fallback));
  (*out.mutable_title()->mutable_translations())["sv"] =
      absl::StrCat("Förbättra: ", TextOf(*item.item, "sv", fallback));
  (*out.mutable_rationale()->mutable_translations())["en"] = Rationale(f, false);
  (*out.mutable_rationale()->mutable_translations())["sv"] = Rationale(f, true);
  AddComponent(out, sapi::PRIORITY_FACTOR_GAP_TO_TARGET, f.gap_to_target,
               PriorityWeights::kGapToTarget);
  AddComponent(out, sapi::PRIORITY_FACTOR_PERCEPTION_GAP, f.perception_gap,
               PriorityWeights::kPerceptionGap);
  AddComponent(out, sapi::PRIORITY_FACTOR_SERVQUAL_GAP, f.servqual_gap,
               PriorityWeights::kServqualGap);
  AddComponent(out, sapi::PRIORITY_FACTOR_ITEM_WEIGHT, f.item_weight, PriorityWeights::kItemWeight);
  AddComponent(out, sapi::PRIORITY_FACTOR_CONSENSUS, f.consensus, PriorityWeights::kConsensus);
  AddComponent(out, sapi::PRIORITY_FACTOR_EFFORT, f.effort, PriorityWeights::kEffort);
  return out;
}

void TracePriority(const Facts& f, const sapi::Improvement& improvement, Trace& trace) {
  trace.formula =
      "priority = 0.35·gap_to_target + 0.25·perception_gap + 0.15·servqual_gap + "
      "0.10·item_weight + 0.05·consensus + 0.10·effort; gap_to_target = (provider shortfall + "
      "2 × mean customer-organisation shortfall) / 3, shortfall = max(0, target − score); "
      "perception_gap = max(0, provider − customers); servqual_gap = max(0, E − P); "
      "item_weight = weight / the area's largest weight; effort = 1 − (next level − mean) / "
      "step; listed when any shortfall > 0; quick win when effort ≥ 0.5 and customers feel it";
  trace.method_reference = kPriorityReference;
  if (f.provider) trace.Add("provider_score", f.provider->normalized);
  if (f.customer) trace.Add("customer_score", f.customer->normalized);
  trace.Add("target", f.target);
  trace.Add("provider_shortfall", f.provider_shortfall);
  trace.Add("customer_shortfall", f.customer_shortfall);
  trace.Add("mean_on_scale", f.mean);
  for (const sapi::PriorityComponent& c : improvement.components()) {
    trace.Add(absl::AsciiStrToLower(
                  absl::StripPrefix(sapi::PriorityFactor_Name(c.factor()), "PRIORITY_FACTOR_")),
              c.value(), c.weight());
  }
  trace.Add("priority_score", improvement.priority_score());
  trace.Add("listed", f.listed);
  trace.Add("quick_win", f.quick_win);
}

}  // namespace

std::optional<Priority> PriorityOf(const Figures& figures, int item, Trace* trace) {
  if (!CheckCandidate(figures, item).ok) return std::nullopt;
  Facts facts;
  if (!FactsOf(figures, item, facts, trace)) return std::nullopt;
  Priority out{ImprovementOf(figures.model(), figures.model().items()[item], facts), facts.listed};
  if (trace) TracePriority(facts, out.improvement, *trace);
  return out;
}

std::vector<sapi::Improvement> Improvements(const Figures& figures) {
  std::vector<sapi::Improvement> out;
  for (int i = 0; i < static_cast<int>(figures.model().items().size()); ++i) {
    std::optional<Priority> priority = PriorityOf(figures, i);
    if (priority && priority->listed) out.push_back(std::move(priority->improvement));
  }
  std::sort(out.begin(), out.end(), [](const sapi::Improvement& a, const sapi::Improvement& b) {
    if (a.priority_score() != b.priority_score()) return a.priority_score() > b.priority_score();
    return a.item_id() < b.item_id();
  });
  const int max = figures.options().max_improvements;
  if (max > 0 && static_cast<int>(out.size()) > max) out.resize(max);
  for (size_t rank = 0; rank < out.size(); ++rank) out[rank].set_rank(static_cast<int>(rank) + 1);
  return out;
}

}  // namespace lagom::scoring
