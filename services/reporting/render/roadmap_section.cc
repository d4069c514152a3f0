// The roadmap: the scorecard's ranked improvements in three phases (now: ranks 1–3, next: 4–6,
// later: the rest), so a small provider sees what to do before the next assessment.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "services/reporting/render/format.h"
#include "services/reporting/render/html.h"
#include "services/reporting/render/sections.h"

namespace lagom::reporting {
namespace {

struct Phase {
  Msg title;
  absl::string_view css_class;
  int last_rank;  // inclusive
};

constexpr Phase kPhases[] = {
    {Msg::kNow, "phase now", 3},
    {Msg::kNext, "phase next", 6},
    {Msg::kLater, "phase later", 1 << 30},
};

std::vector<const sapi::Improvement*> ByRank(const sapi::Scorecard& card) {
  std::vector<const sapi::Improvement*> ranked;
  for (const sapi::Improvement& improvement : card.improvements()) ranked.push_back(&improvement);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto* a, const auto* b) { return a->rank() < b->rank(); });
  return ranked;
}

bool CitedGroup(const type::ResponseGroup& group) {
  return group.kind() == type::RESPONSE_GROUP_KIND_PROVIDER ||
         group.kind() == type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS;
}

// A rationale cites the provider's and all customers' figures of the item and its pair partner
// (or of the area, for area-level advice); in a shareable report it is withheld when any of
// those figures comes from too few respondents.
bool RationaleWithheld(const ReportView& view, const sapi::Improvement& improvement) {
  if (!view.shareable()) return false;
  if (improvement.item_id().empty()) {
    return view.Withheld(view.provider_column()) || view.Withheld(view.all_customers_column());
  }
  for (const absl::string_view item_id : view.PairOf(improvement.item_id())) {
    for (const sapi::ItemScore& s : view.card().item_scores()) {
      if (s.item_id() == item_id && CitedGroup(s.group()) &&
          view.WithheldItemFigure(s.statistics().n())) {
        return true;
      }
    }
  }
  return false;
}

void AppendImprovement(const ReportView& view, const sapi::Improvement& improvement,
                       std::string& out) {
  absl::StrAppend(&out, "<li value=\"", improvement.rank(), "\">");
  const std::string area_title = view.AreaTitle(improvement.area_id());
  const std::string fallback =
      improvement.item_id().empty() ? area_title : view.ItemTitle(improvement.item_id());
  AppendElement(out, "strong", view.Localize(improvement.title(), fallback));
  if (improvement.quick_win()) {
    out += " ";
    AppendElement(out, "span", absl::StrCat("★ ", view.Text(Msg::kQuickWin)), "badge quick-win");
  }
  out += "<br/>";
  AppendElement(out, "span", area_title, "area");
  out += " · ";
  AppendElement(out, "span",
                absl::Substitute(view.Text(Msg::kPriority),
                                 Decimal(improvement.priority_score(), 2, view.language())),
                "note");
  const std::string rationale =
      RationaleWithheld(view, improvement)
          ? absl::Substitute(view.Text(Msg::kRationaleWithheld), view.min_respondents())
          : view.Localize(improvement.rationale(), "");
  if (!rationale.empty()) AppendElement(out, "p", rationale, "rationale");
  out += "</li>";
}

}  // namespace

void AppendRoadmap(const ReportView& view, std::string& out) {
  AppendElement(out, "p", view.Text(Msg::kRoadmapRule), "note");
  const std::vector<const sapi::Improvement*> ranked = ByRank(view.card());
  if (ranked.empty()) return AppendElement(out, "p", view.Text(Msg::kNoImprovements));
  out += "<div class=\"phases\">";
  auto next = ranked.begin();
  for (const Phase& phase : kPhases) {
    const auto end = std::find_if(next, ranked.end(), [&](const sapi::Improvement* i) {
      return i->rank() > phase.last_rank;
    });
    if (next == end) continue;
    absl::StrAppend(&out, "<div class=\"", phase.css_class, "\">");
    AppendElement(out, "h3", view.Text(phase.title));
    out += "<ol>";
    for (; next != end; ++next) AppendImprovement(view, **next, out);
    out += "</ol></div>";
  }
  out += "</div>\n";
}

}  // namespace lagom::reporting
