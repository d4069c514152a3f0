// Perception gaps (provider vs customers, the gap model's gap 1) and SERVQUAL gaps
// (perception − expectation) of the Figures class.
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/scoring/core/figures.h"  // the class whose gap figures these are

namespace lagom::scoring {
namespace {

constexpr char kGapReference[] =
    "Parasuraman, Zeithaml & Berry (1985) gap model, gap 1 (provider belief vs customer "
    "experience)";
constexpr char kServqualReference[] =
    "SERVQUAL, Parasuraman, Zeithaml & Berry (1988): gap = perception − expectation";

}  // namespace

std::optional<GapResult> Figures::SubjectGap(const GapSubject& subject, int customer_group,
                                             Trace* trace) const {
  const ItemStats& provider = Item(kProviderGroup, subject.provider_item);
  const ItemStats& customer = Item(customer_group, subject.customer_item);
  if (provider.n == 0 || customer.n == 0) return std::nullopt;
  GapResult out;
  out.provider = provider.normalized;
  out.customer = customer.normalized;
  out.gap = out.customer - out.provider;
  out.low_confidence = provider.low_confidence || customer.low_confidence;
  if (trace) {
    const ItemInfo& p = model_.items()[subject.provider_item];
    const ItemInfo& c = model_.items()[subject.customer_item];
    trace->formula =
        "gap = customer_score − provider_score (normalized means of the pair's "
        "customer and provider items, or of a BOTH item in the two groups)";
    trace->method_reference = kGapReference;
    trace->Add(absl::StrCat("item:", p.id(), ".normalized_mean (PROVIDER)"), out.provider);
    trace->Add(
        absl::StrCat("item:", c.id(), ".normalized_mean (", tally_.GroupName(customer_group), ")"),
        out.customer);
    trace->Add("gap", out.gap);
    trace->inputs.push_back(
        ItemFigure(p.id(), tally_.GroupProto(kProviderGroup), "normalized_mean"));
    trace->inputs.push_back(
        ItemFigure(c.id(), tally_.GroupProto(customer_group), "normalized_mean"));
    trace->answers.emplace_back(kProviderGroup, subject.provider_item);
    trace->answers.emplace_back(customer_group, subject.customer_item);
  }
  return out;
}

namespace {

// The weighted provider and customer means over the subjects both sides answered.
template <typename Keep>
std::optional<GapResult> AggregateGap(const Figures& figures, int customer_group, Keep keep,
                                      Trace* trace) {
  WeightedMean provider;
  WeightedMean customer;
  std::vector<int> provider_items;
  std::vector<int> customer_items;
  for (const GapSubject& subject : figures.gap_subjects()) {
    if (!keep(subject)) continue;
    std::optional<GapResult> gap = figures.SubjectGap(subject, customer_group);
    if (!gap) continue;
    provider.Add(gap->provider, subject.weight);
    customer.Add(gap->customer, subject.weight);
    provider_items.push_back(subject.provider_item);
    customer_items.push_back(subject.customer_item);
    if (trace) {
      trace->Add(absl::StrCat("pair:", subject.id, ".provider_score"), gap->provider,
                 subject.weight);
      trace->Add(absl::StrCat("pair:", subject.id, ".customer_score"), gap->customer,
                 subject.weight);
      sapi::FigureReference& input = trace->inputs.emplace_back();
      input.set_kind(sapi::FIGURE_KIND_PERCEPTION_GAP);
      input.set_gap_subject_kind(sapi::GAP_SUBJECT_KIND_ITEM_PAIR);
      input.set_subject_id(subject.id);
      *input.mutable_group() = figures.tally().GroupProto(customer_group);
      trace->answers.emplace_back(kProviderGroup, subject.provider_item);
      trace->answers.emplace_back(customer_group, subject.customer_item);
    }
  }
  if (provider.empty()) return std::nullopt;
  GapResult out;
  out.provider = provider.value();
  out.customer = customer.value();
  out.gap = out.customer - out.provider;
  out.low_confidence = figures.LowConfidence(kProviderGroup, provider_items) ||
                       figures.LowConfidence(customer_group, customer_items);
  if (trace) {
    trace->Conclude(
        "provider_score = Σ wⱼ·pⱼ / Σ wⱼ, customer_score = Σ wⱼ·cⱼ / Σ wⱼ over the pairs and BOTH "
        "items both sides answered (wⱼ = mean of the two items' weights); gap = customer_score − "
        "provider_score",
        kGapReference,
        {{"weight_sum", provider.weights},
         {"provider_score", out.provider},
         {"customer_score", out.customer},
         {"gap", out.gap}});
  }
  return out;
}

}  // namespace

std::optional<GapResult> Figures::AreaGap(int area, int customer_group, Trace* trace) const {
  return AggregateGap(
      *this, customer_group, [area](const GapSubject& s) { return s.area == area; }, trace);
}

std::optional<GapResult> Figures::DimensionGap(qapi::ServqualDimension dimension,
                                               int customer_group, Trace* trace) const {
  return AggregateGap(
      *this, customer_group, [dimension](const GapSubject& s) { return s.dimension == dimension; },
      trace);
}

std::optional<ServqualResult> Figures::ItemServqual(int item, int customer_group,
                                                    Trace* trace) const {
  const ItemInfo& info = model_.items()[item];
  if (customer_group == kProviderGroup || !info.wants_expectation || !info.customer_answers) {
    return std::nullopt;
  }
  const ItemStats& s = Item(customer_group, item);
  if (s.n == 0 || s.expectation_n == 0) return std::nullopt;
  ServqualResult out{s.expectation, s.normalized, s.normalized - s.expectation, s.low_confidence};
  if (trace) {
    trace->Conclude(
        "gap = P − E: the normalized mean of the answers' values (perception) minus that of "
        "their expectation values",
        kServqualReference,
        {{"expectation", out.expectation}, {"perception", out.perception}, {"gap", out.gap}});
    trace->inputs.push_back(ItemFigure(info.id(), tally_.GroupProto(customer_group)));
    trace->answers.emplace_back(customer_group, item);
  }
  return out;
}

std::optional<ServqualResult> Figures::DimensionServqual(qapi::ServqualDimension dimension,
                                                         int customer_group, Trace* trace) const {
  if (customer_group == kProviderGroup) return std::nullopt;
  const std::vector<ItemInfo>& items = model_.items();
  auto answered = [&](int i) {
    const ItemInfo& item = items[i];
    return item.item->servqual_dimension() == dimension && item.customer_answers &&
           Item(customer_group, i).n > 0;
  };
  // Perception-only items count only where the model asks expectations in separate items;
  // otherwise P and E come from the same (SERVQUAL_ASPECT_BOTH) items.
  bool separate = false;
  for (int i = 0; i < static_cast<int>(items.size()); ++i) {
    separate = separate || (answered(i) &&
                            items[i].item->servqual_aspect() == qapi::SERVQUAL_ASPECT_EXPECTATION);
  }
  WeightedMean expectation;
  WeightedMean perception;
  std::vector<int> used;
  for (int i = 0; i < static_cast<int>(items.size()); ++i) {
    if (!answered(i)) continue;
    const ItemStats& s = Item(customer_group, i);
    const double w = items[i].weight;
    const std::string& id = items[i].id();
    switch (items[i].item->servqual_aspect()) {
      case qapi::SERVQUAL_ASPECT_BOTH:
        if (s.expectation_n == 0) continue;
        expectation.Add(s.expectation, w);
        perception.Add(s.normalized, w);
        if (trace) trace->Add(absl::StrCat("item:", id, ".expectation"), s.expectation, w);
        break;
      case qapi::SERVQUAL_ASPECT_EXPECTATION:
        expectation.Add(s.normalized, w);
        if (trace) trace->Add(absl::StrCat("item:", id, ".expectation"), s.normalized, w);
        break;
      default:
        if (!separate) continue;
        perception.Add(s.normalized, w);
        break;
    }
    if (trace && items[i].item->servqual_aspect() != qapi::SERVQUAL_ASPECT_EXPECTATION) {
      trace->Add(absl::StrCat("item:", id, ".perception"), s.normalized, w);
    }
    used.push_back(i);
    if (trace) {
      trace->inputs.push_back(ItemFigure(id, tally_.GroupProto(customer_group)));
      trace->answers.emplace_back(customer_group, i);
    }
  }
  if (expectation.empty() || perception.empty()) return std::nullopt;
  ServqualResult out{expectation.value(), perception.value(),
                     perception.value() - expectation.value(), LowConfidence(customer_group, used)};
  if (trace) {
    trace->Conclude(
        "E = Σ wᵢ·eᵢ / Σ wᵢ, P = Σ wᵢ·pᵢ / Σ wᵢ over the dimension's items (perception-only items "
        "only where the dimension has separate expectation items); gap = P − E",
        kServqualReference,
        {{"expectation", out.expectation}, {"perception", out.perception}, {"gap", out.gap}});
  }
  return out;
}

}  // namespace lagom::scoring
