#include "services/reporting/render/report_view.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "services/reporting/render/text.h"

namespace lagom::reporting {
namespace {

type::ResponseGroup GroupOf(type::ResponseGroupKind kind, absl::string_view organization = "") {
  type::ResponseGroup group;
  group.set_kind(kind);
  group.set_customer_organization(std::string(organization));
  return group;
}

std::string FigureKey(absl::string_view area_id, absl::string_view group_key) {
  return absl::StrCat(area_id, "\n", group_key);
}

bool TookPart(const sapi::Scorecard& card, absl::string_view organization) {
  return std::find(card.customer_organizations().begin(), card.customer_organizations().end(),
                   organization) != card.customer_organizations().end();
}

std::string Quoted(absl::string_view value) {
  return absl::StrCat("\"", absl::CHexEscape(value), "\"");
}

std::vector<FieldViolation> Violations(const ReportInput& input) {
  std::vector<FieldViolation> violations;
  if (input.scorecard == nullptr) {
    violations.push_back({"scorecard", "required: the scorecard to report"});
  }
  if (input.model == nullptr) {
    violations.push_back({"model", "required: the model version's content, for titles"});
  }
  if (!ParseLanguage(input.language)) {
    violations.push_back({"language_tag", absl::StrCat(Quoted(input.language),
                                                       " is not supported; allowed: en, sv")});
  }
  if (!reporting_api::ReportAudience_IsValid(input.audience)) {
    violations.push_back({"audience", absl::StrCat(static_cast<int>(input.audience),
                                                   " is not a ReportAudience; allowed: PROVIDER, "
                                                   "CUSTOMER_SHAREABLE")});
  } else if (input.audience != reporting_api::REPORT_AUDIENCE_CUSTOMER_SHAREABLE &&
             !input.customer_organization.empty()) {
    // A report "for" one organisation that is a provider report would show every
    // organisation's figures and every comment to whoever it is passed on to.
    violations.push_back(
        {"customer_organization",
         "only with audience CUSTOMER_SHAREABLE (a report for one customer organisation); a "
         "PROVIDER report shows every organisation"});
  } else if (input.audience == reporting_api::REPORT_AUDIENCE_CUSTOMER_SHAREABLE &&
             !input.customer_organization.empty() && input.scorecard != nullptr &&
             !TookPart(*input.scorecard, input.customer_organization)) {
    violations.push_back(
        {"customer_organization", absl::StrCat(Quoted(input.customer_organization),
                                               " did not take part in the scored session")});
  }
  return violations;
}

absl::Status CheckInput(const ReportInput& input) {
  std::vector<FieldViolation> violations = Violations(input);
  if (violations.empty()) return absl::OkStatus();
  const size_t missing = (input.scorecard == nullptr ? 1 : 0) + (input.model == nullptr ? 1 : 0);
  std::vector<std::string> parts;
  for (const FieldViolation& v : violations)
    parts.push_back(absl::StrCat(v.field, ": ", v.description));
  const bool only_missing = missing == violations.size();
  absl::Status status = InvalidArgumentError(absl::StrJoin(parts, "; "), std::move(violations));
  return only_missing ? WithReason(std::move(status), "FIELD_REQUIRED") : status;
}

}  // namespace

absl::StatusOr<ReportView> ReportView::Build(const ReportInput& input) {
  if (absl::Status status = CheckInput(input); !status.ok()) return status;
  ReportView view(input, *ParseLanguage(input.language));
  view.IndexFigures();
  view.AddColumns();
  view.AddAreas();
  return view;
}

ReportView::ReportView(const ReportInput& input, Language language)
    : input_(&input),
      language_(language),
      shareable_(input.audience == reporting_api::REPORT_AUDIENCE_CUSTOMER_SHAREABLE) {
  for (const qapi::Area& area : input.model->areas()) {
    model_areas_.try_emplace(area.id(), &area);
    for (const qapi::Item& item : area.items()) {
      model_items_.try_emplace(item.id(), ModelItem{&item, &area});
    }
  }
}

void ReportView::IndexFigures() {
  for (const sapi::AreaScore& s : card().area_scores()) {
    scores_.try_emplace(FigureKey(s.area_id(), GroupKey(s.group())), &s);
  }
  for (const sapi::AreaGoodEnough& g : card().good_enough()) {
    good_enough_.try_emplace(FigureKey(g.area_id(), GroupKey(g.group())), &g);
  }
  for (const sapi::PerceptionGap& gap : card().perception_gaps()) {
    if (gap.subject_kind() != sapi::GAP_SUBJECT_KIND_AREA) continue;
    area_gaps_.try_emplace(FigureKey(gap.subject_id(), GroupKey(gap.customer_group())), &gap);
  }
}

bool ReportView::Visible(const type::ResponseGroup& group) const {
  if (group.kind() != type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION) return true;
  return !shareable_ || group.customer_organization() == input_->customer_organization;
}

void ReportView::AddColumns() {
  const auto add = [this](const type::ResponseGroup& group) {
    columns_.push_back({group, GroupKey(group), GroupLabel(group)});
  };
  add(GroupOf(type::RESPONSE_GROUP_KIND_PROVIDER));
  // The listed organisations in their order, then any that only appear in the figures.
  std::vector<std::string> organizations(card().customer_organizations().begin(),
                                         card().customer_organizations().end());
  for (const sapi::AreaScore& s : card().area_scores()) {
    if (s.group().kind() == type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION) {
      organizations.push_back(s.group().customer_organization());
    }
  }
  absl::flat_hash_set<std::string> added;
  for (const std::string& organization : organizations) {
    const type::ResponseGroup group =
        GroupOf(type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION, organization);
    if (Visible(group) && added.insert(organization).second) add(group);
  }
  add(GroupOf(type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS));
}

void ReportView::AddAreas() {
  // Areas with figures, in model order; areas the model lacks follow in scorecard order.
  std::vector<std::string> scored;
  absl::flat_hash_map<std::string, AreaRow> rows;
  const auto note = [&](const std::string& area_id, const std::string& lineage_id) -> AreaRow& {
    auto [it, inserted] = rows.try_emplace(area_id);
    if (inserted) {
      scored.push_back(area_id);
      it->second.id = area_id;
      it->second.title = AreaTitle(area_id);
    }
    if (it->second.lineage_id.empty()) it->second.lineage_id = lineage_id;
    return it->second;
  };
  for (const sapi::AreaScore& s : card().area_scores()) note(s.area_id(), s.lineage_id());
  for (const sapi::AreaGoodEnough& g : card().good_enough()) {
    AreaRow& row = note(g.area_id(), g.lineage_id());
    if (!row.target && g.has_target()) row.target = g.target().target_score();
  }
  // The scorecard's lineage ids and targets win; the model fills in what it left out.
  for (const qapi::Area& area : input_->model->areas()) {
    auto it = rows.find(area.id());
    if (it == rows.end()) continue;
    AreaRow& row = it->second;
    if (row.lineage_id.empty()) row.lineage_id = area.lineage_id();
    if (!row.target && area.default_target_score() > 0) row.target = area.default_target_score();
    areas_.push_back(std::move(row));
    rows.erase(it);
  }
  for (const std::string& area_id : scored) {
    if (auto it = rows.find(area_id); it != rows.end()) areas_.push_back(std::move(it->second));
  }
  for (AreaRow& row : areas_) {
    if (row.lineage_id.empty()) row.lineage_id = row.id;  // lineage defaults to the id
  }
}

const sapi::AreaScore* ReportView::Score(absl::string_view area_id, const Column& column) const {
  if (Withheld(column)) return nullptr;
  const auto it = scores_.find(FigureKey(area_id, column.key));
  return it == scores_.end() ? nullptr : it->second;
}

const sapi::AreaGoodEnough* ReportView::GoodEnough(absl::string_view area_id,
                                                   const Column& column) const {
  if (Withheld(column)) return nullptr;
  const auto it = good_enough_.find(FigureKey(area_id, column.key));
  return it == good_enough_.end() ? nullptr : it->second;
}

const sapi::PerceptionGap* ReportView::AreaGap(absl::string_view area_id,
                                               const Column& customers) const {
  if (Withheld(customers) || Withheld(card(), GroupOf(type::RESPONSE_GROUP_KIND_PROVIDER))) {
    return nullptr;
  }
  const auto it = area_gaps_.find(FigureKey(area_id, customers.key));
  return it == area_gaps_.end() ? nullptr : it->second;
}

bool ReportView::Withheld(const sapi::Scorecard& card, const type::ResponseGroup& group) const {
  const int min_respondents = card.coverage().min_respondents();
  if (!shareable_ || min_respondents <= 0) return false;
  const std::string key = GroupKey(group);
  for (const sapi::GroupCoverage& g : card.coverage().groups()) {
    if (GroupKey(g.group()) == key) return g.respondent_count() < min_respondents;
  }
  return true;  // no coverage figure: nothing tells how few answered
}

bool ReportView::WithheldItemFigure(int n) const {
  return shareable_ && n > 0 && n < min_respondents();
}

std::string ReportView::GroupLabel(const type::ResponseGroup& group) const {
  switch (group.kind()) {
    case type::RESPONSE_GROUP_KIND_PROVIDER:
      return std::string(Text(Msg::kGroupProvider));
    case type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS:
      return std::string(Text(Msg::kGroupAllCustomers));
    default:
      return DisplayName(group.customer_organization());
  }
}

std::string ReportView::DisplayName(absl::string_view resource_name) const {
  const auto it = input_->display_names.find(resource_name);
  if (it != input_->display_names.end() && !it->second.empty()) return it->second;
  return std::string(LastSegment(resource_name));
}

std::string ReportView::AreaTitle(absl::string_view area_id) const {
  const auto it = model_areas_.find(area_id);
  return it == model_areas_.end() ? std::string(area_id) : Localize(it->second->title(), area_id);
}

std::string ReportView::ItemTitle(absl::string_view item_id) const {
  const auto it = model_items_.find(item_id);
  return it == model_items_.end() ? std::string(item_id)
                                  : Localize(it->second.item->text(), item_id);
}

absl::string_view ReportView::AreaOfItem(absl::string_view item_id) const {
  const auto it = model_items_.find(item_id);
  return it == model_items_.end() ? absl::string_view() : it->second.area->id();
}

std::string ReportView::Localize(const type::LocalizedText& text,
                                 absl::string_view fallback) const {
  return ::lagom::reporting::Localize(text, LanguageTag(language_),
                                      input_->model->default_language_tag(), fallback);
}

std::vector<absl::string_view> ReportView::PairOf(absl::string_view item_id) const {
  std::vector<absl::string_view> items = {item_id};
  const auto it = model_items_.find(item_id);
  if (it == model_items_.end() || it->second.item->pair_id().empty()) return items;
  for (const qapi::Area& area : input_->model->areas()) {
    for (const qapi::Item& item : area.items()) {
      if (item.pair_id() == it->second.item->pair_id() && item.id() != item_id) {
        items.push_back(item.id());
      }
    }
  }
  return items;
}

}  // namespace lagom::reporting
