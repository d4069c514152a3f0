// The sections that are tables and lists: summary, coverage and comments.
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "services/reporting/render/format.h"
#include "services/reporting/render/html.h"
#include "services/reporting/render/sections.h"
#include "services/reporting/render/text.h"

namespace lagom::reporting {
namespace {

void AppendFact(std::string& out, absl::string_view term, absl::string_view value) {
  AppendElement(out, "dt", term);
  AppendElement(out, "dd", value.empty() ? kNoValue : value);
}

std::string NameList(const ReportView& view, const std::vector<std::string>& resource_names) {
  if (resource_names.empty()) return std::string(view.Text(Msg::kNone));
  std::vector<std::string> names;
  for (const std::string& name : resource_names) names.push_back(view.DisplayName(name));
  return absl::StrJoin(names, ", ");
}

// The organisations this audience may see: the report's organisation columns.
std::vector<std::string> VisibleOrganizations(const ReportView& view) {
  std::vector<std::string> organizations;
  for (const Column& column : view.columns()) {
    if (column.group.kind() == type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION) {
      organizations.push_back(column.group.customer_organization());
    }
  }
  return organizations;
}

// A model version is known by its display name, else its full resource name: the last segment
// alone ("3") says nothing.
std::string ModelVersionName(const ReportView& view) {
  const std::string& name = view.card().model_version();
  const auto it = view.input().display_names.find(name);
  return it != view.input().display_names.end() && !it->second.empty() ? it->second : name;
}

void AppendFacts(const ReportView& view, std::string& out) {
  const sapi::Scorecard& card = view.card();
  out += "<dl class=\"facts\">";
  AppendFact(out, view.Text(Msg::kModelVersion), ModelVersionName(view));
  AppendFact(out, view.Text(Msg::kServices),
             NameList(view, {card.services().begin(), card.services().end()}));
  AppendFact(out, view.Text(Msg::kOrganizations), NameList(view, VisibleOrganizations(view)));
  AppendFact(out, view.Text(Msg::kClosed), FormatTime(card.session_close_time()));
  out += "</dl>\n";
}

void AppendHeaderRow(const ReportView& view, std::string& out) {
  out += "<thead><tr>";
  AppendElement(out, "th", view.Text(Msg::kArea));
  AppendElement(out, "th", view.Text(Msg::kTarget), "num");
  for (const Column& column : view.columns()) AppendElement(out, "th", column.label);
  out += "</tr></thead>";
}

// Appends one verdict cell; true when it shows a low-confidence score.
bool AppendVerdictCell(const ReportView& view, const AreaRow& area, const Column& column,
                       std::string& out) {
  out += "<td>";
  bool low_confidence = false;
  if (view.Withheld(column)) {
    AppendElement(out, "span", WithheldMark(view), "withheld");
  } else if (const sapi::AreaGoodEnough* verdict = view.GoodEnough(area.id, column)) {
    const sapi::AreaScore* score = view.Score(area.id, column);
    low_confidence = score != nullptr && score->low_confidence();
    AppendStatusBadge(out, view, verdict->status());
    out += " ";
    AppendElement(out, "span", ScoreText(view, verdict->score(), low_confidence), "score");
  } else {
    AppendStatusBadge(out, view, sapi::GOOD_ENOUGH_STATUS_UNSPECIFIED);
  }
  out += "</td>";
  return low_confidence;
}

void AppendVerdictTable(const ReportView& view, std::string& out) {
  out += "<table class=\"verdicts\">";
  AppendHeaderRow(view, out);
  out += "<tbody>";
  bool any_low_confidence = false;
  for (const AreaRow& area : view.areas()) {
    out += "<tr>";
    AppendElement(out, "th", area.title);
    AppendElement(out, "td", area.target ? Percent(*area.target, view.language()) : kNoValue,
                  "num");
    for (const Column& column : view.columns()) {
      any_low_confidence |= AppendVerdictCell(view, area, column, out);
    }
    out += "</tr>";
  }
  out += "</tbody></table>\n";
  if (any_low_confidence) {
    AppendElement(
        out, "p",
        absl::StrCat("* ", view.Text(Msg::kLowConfidence), ": ", LowConfidenceRule(view), "."),
        "note");
  }
  for (const Column& column : view.columns()) {
    if (view.Withheld(column)) return AppendWithheldNote(out, view);
  }
}

const sapi::GroupCoverage* CoverageOf(const ReportView& view, const Column& column) {
  for (const sapi::GroupCoverage& g : view.card().coverage().groups()) {
    if (GroupKey(g.group()) == column.key) return &g;
  }
  return nullptr;
}

void AppendCoverageRow(const ReportView& view, const Column& column, std::string& out) {
  out += "<tr>";
  AppendElement(out, "th", column.label);
  const sapi::GroupCoverage* coverage = CoverageOf(view, column);
  if (coverage == nullptr) {
    for (int i = 0; i < 4; ++i) AppendElement(out, "td", kNoValue, "num");
    out += "</tr>";
    return;
  }
  AppendElement(out, "td", absl::StrCat(coverage->respondent_count()), "num");
  AppendElement(out, "td", absl::StrCat(coverage->invited_count()), "num");
  AppendElement(out, "td", Percent(coverage->response_rate(), view.language()), "num");
  if (coverage->low_confidence()) {
    AppendElement(out, "td", absl::StrCat("⚠ ", view.Text(Msg::kLowConfidence)), "low");
  } else {
    AppendElement(out, "td", view.Text(Msg::kConfidenceSufficient));
  }
  out += "</tr>";
}

// Comments grouped by item: items in model order, then items the model lacks in input order.
std::vector<std::pair<std::string, std::vector<const ReportComment*>>> CommentsByItem(
    const ReportView& view) {
  absl::flat_hash_map<std::string, std::vector<const ReportComment*>> by_item;
  std::vector<std::string> order;
  for (const ReportComment& comment : view.input().comments) {
    auto [it, inserted] = by_item.try_emplace(comment.item_id);
    if (inserted) order.push_back(comment.item_id);
    it->second.push_back(&comment);
  }
  std::vector<std::pair<std::string, std::vector<const ReportComment*>>> grouped;
  const auto take = [&](const std::string& item_id) {
    auto it = by_item.find(item_id);
    if (it == by_item.end()) return;
    grouped.emplace_back(item_id, std::move(it->second));
    by_item.erase(it);
  };
  for (const qapi::Area& area : view.input().model->areas()) {
    for (const qapi::Item& item : area.items()) take(item.id());
  }
  for (const std::string& item_id : order) take(item_id);
  return grouped;
}

}  // namespace

void AppendSummary(const ReportView& view, std::string& out) {
  AppendFacts(view, out);
  AppendVerdictTable(view, out);
}

void AppendCoverage(const ReportView& view, std::string& out) {
  out += "<table class=\"coverage\"><thead><tr>";
  AppendElement(out, "th", view.Text(Msg::kGroup));
  AppendElement(out, "th", view.Text(Msg::kRespondents), "num");
  AppendElement(out, "th", view.Text(Msg::kInvited), "num");
  AppendElement(out, "th", view.Text(Msg::kResponseRate), "num");
  AppendElement(out, "th", view.Text(Msg::kConfidence));
  out += "</tr></thead><tbody>";
  for (const Column& column : view.columns()) AppendCoverageRow(view, column, out);
  out += "</tbody></table>\n";
  AppendElement(out, "p", absl::Substitute(view.Text(Msg::kCoverageRule), LowConfidenceRule(view)),
                "note");
}

void AppendComments(const ReportView& view, std::string& out) {
  const auto grouped = CommentsByItem(view);
  if (grouped.empty()) return AppendElement(out, "p", view.Text(Msg::kNoComments));
  for (const auto& [item_id, comments] : grouped) {
    out += "<article class=\"item-comments\">";
    AppendElement(out, "h3", view.ItemTitle(item_id));
    const absl::string_view area_id = view.AreaOfItem(item_id);
    if (!area_id.empty()) AppendElement(out, "p", view.AreaTitle(area_id), "note");
    out += "<ul class=\"comments\">";
    for (const ReportComment* comment : comments) {
      out += "<li>";
      AppendElement(out, "span", view.GroupLabel(comment->group), "group");
      out += " ";
      AppendElement(out, "span", comment->text, "comment-text");
      out += "</li>";
    }
    out += "</ul></article>\n";
  }
}

}  // namespace lagom::reporting
