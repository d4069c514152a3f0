// What one report shows, worked out once before any section is written: the report language,
// the groups (columns) its audience may see, the areas in model order with their titles, and
// lookups of the scorecard's figures that already leave out what the audience must not see.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_REPORT_VIEW_H_
#define LAGOM_SERVICES_REPORTING_RENDER_REPORT_VIEW_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/reporting/render/api.h"
#include "services/reporting/render/group_key.h"
#include "services/reporting/render/messages.h"
#include "services/reporting/render/report.h"

namespace lagom::reporting {

// One group the report shows figures for.
struct Column {
  type::ResponseGroup group;
  std::string key;    // GroupKey(group)
  std::string label;  // what people read
};

struct AreaRow {
  std::string id;
  std::string lineage_id;
  std::string title;
  std::optional<double> target;  // the effective good-enough target, else the model default
};

class ReportView final {
 public:
  // INVALID_ARGUMENT naming every bad field when `input` cannot make a report. `input` must
  // outlive the view.
  static absl::StatusOr<ReportView> Build(const ReportInput& input);

  const ReportInput& input() const { return *input_; }
  const sapi::Scorecard& card() const { return *input_->scorecard; }
  Language language() const { return language_; }
  absl::string_view Text(Msg id) const { return ::lagom::reporting::Text(language_, id); }
  bool shareable() const { return shareable_; }

  // Provider first, then the organisations the audience may see, then all customers.
  const std::vector<Column>& columns() const { return columns_; }
  const Column& provider_column() const { return columns_.front(); }
  const Column& all_customers_column() const { return columns_.back(); }
  const std::vector<AreaRow>& areas() const { return areas_; }

  // This scorecard's figures; nullptr when there is none or the audience may not see it.
  const sapi::AreaScore* Score(absl::string_view area_id, const Column& column) const;
  const sapi::AreaGoodEnough* GoodEnough(absl::string_view area_id, const Column& column) const;
  // The area's perception gap between the provider and a customer column.
  const sapi::PerceptionGap* AreaGap(absl::string_view area_id, const Column& customers) const;

  // Whether `card`'s figures of `group` are withheld from this audience: in a shareable report,
  // groups with fewer respondents than card's min_respondents (or with no coverage figure).
  bool Withheld(const sapi::Scorecard& card, const type::ResponseGroup& group) const;
  bool Withheld(const Column& column) const { return Withheld(card(), column.group); }
  // Whether an item-level figure of `n` answers is withheld from this audience.
  bool WithheldItemFigure(int n) const;
  int min_respondents() const { return card().coverage().min_respondents(); }

  std::string GroupLabel(const type::ResponseGroup& group) const;
  // The display name given for a resource name, else its last segment.
  std::string DisplayName(absl::string_view resource_name) const;
  std::string AreaTitle(absl::string_view area_id) const;
  // The item's text in the report language; the item id for items the model lacks.
  std::string ItemTitle(absl::string_view item_id) const;
  // The id of the area the model puts the item in; "" for items the model lacks.
  absl::string_view AreaOfItem(absl::string_view item_id) const;
  // The translation in the report language, else the model's default, else "en", else any.
  std::string Localize(const type::LocalizedText& text, absl::string_view fallback) const;
  // The item and its pair partner: the items whose figures an improvement of `item_id` cites.
  std::vector<absl::string_view> PairOf(absl::string_view item_id) const;

 private:
  explicit ReportView(const ReportInput& input, Language language);
  void AddColumns();
  void AddAreas();
  void IndexFigures();
  bool Visible(const type::ResponseGroup& group) const;

  const ReportInput* input_;
  Language language_;
  bool shareable_;
  std::vector<Column> columns_;
  std::vector<AreaRow> areas_;
  absl::flat_hash_map<std::string, const qapi::Area*> model_areas_;
  struct ModelItem {
    const qapi::Item* item;
    const qapi::Area* area;
  };
  absl::flat_hash_map<std::string, ModelItem> model_items_;
  // Keyed by FigureKey(area id, group key).
  absl::flat_hash_map<std::string, const sapi::AreaScore*> scores_;
  absl::flat_hash_map<std::string, const sapi::AreaGoodEnough*> good_enough_;
  absl::flat_hash_map<std::string, const sapi::PerceptionGap*> area_gaps_;
};

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_RENDER_REPORT_VIEW_H_
