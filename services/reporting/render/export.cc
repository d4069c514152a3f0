// ExportScorecardJson and ExportScorecardCsv: the scorecard as files for other tools.
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "google/protobuf/util/json_util.h"
#include "services/reporting/render/api.h"
#include "services/reporting/render/group_key.h"
#include "services/reporting/render/report.h"
#include "services/reporting/render/text.h"

namespace lagom::reporting {
namespace {

// ---- RFC 4180 writing.

void AppendCsvField(std::string& out, absl::string_view field) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) {
    out.append(field.data(), field.size());
    return;
  }
  out += '"';
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void AppendCsvRow(std::string& out, std::initializer_list<absl::string_view> fields) {
  bool first = true;
  for (const absl::string_view field : fields) {
    if (!first) out += ',';
    AppendCsvField(out, field);
    first = false;
  }
  out += "\r\n";
}

// The shortest text that reads back as the same double (std::to_chars' guarantee).
std::string ExactNumber(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return error == std::errc() ? std::string(buffer, end) : absl::StrCat(value);
}

std::string EnumName(const std::string& full_name, absl::string_view prefix) {
  return std::string(absl::StripPrefix(full_name, prefix));
}

// The rows of one subject (an item, area, gap, ...): kind, area, item and group are the same on
// each, the metric and value change.
class Figures final {
 public:
  Figures(std::string& out, absl::string_view kind, absl::string_view area_id,
          absl::string_view item_id, std::string group)
      : out_(out), kind_(kind), area_id_(area_id), item_id_(item_id), group_(std::move(group)) {}

  Figures& Text(absl::string_view metric, absl::string_view value) {
    AppendCsvRow(out_, {kind_, area_id_, item_id_, group_, metric, value});
    return *this;
  }
  Figures& Number(absl::string_view metric, double value) {
    return Text(metric, ExactNumber(value));
  }
  Figures& Integer(absl::string_view metric, int64_t value) {
    return Text(metric, absl::StrCat(value));
  }
  Figures& Flag(absl::string_view metric, bool value) {
    return Text(metric, value ? "true" : "false");
  }

 private:
  std::string& out_;
  absl::string_view kind_;
  absl::string_view area_id_;
  absl::string_view item_id_;
  std::string group_;
};

void AddItem(std::string& out, const sapi::ItemScore& s) {
  const sapi::ItemStatistics& st = s.statistics();
  Figures(out, "item", s.area_id(), s.item_id(), GroupKey(s.group()))
      .Integer("n", st.n())
      .Integer("na_count", st.na_count())
      .Number("mean", st.mean())
      .Number("median", st.median())
      .Number("stddev", st.stddev())
      .Number("normalized_mean", st.normalized_mean())
      .Number("consensus", st.consensus())
      .Flag("low_confidence", s.low_confidence());
}

std::string RatingName(sapi::ProcessAttributeRating rating) {
  return EnumName(sapi::ProcessAttributeRating_Name(rating), "PROCESS_ATTRIBUTE_RATING_");
}

void AddArea(std::string& out, const sapi::AreaScore& s) {
  const std::string group = GroupKey(s.group());
  Figures area(out, "area", s.area_id(), "", group);
  area.Number("score", s.score())
      .Number("maturity_level", s.maturity_level())
      .Text("rating", RatingName(s.rating()))
      .Integer("capability_level", s.capability_level());
  if (s.has_samm_practice_score()) area.Number("samm_practice_score", s.samm_practice_score());
  area.Integer("answered_item_count", s.answered_item_count())
      .Integer("na_item_count", s.na_item_count())
      .Flag("low_confidence", s.low_confidence());
  for (const sapi::ProcessAttributeScore& pa : s.process_attributes()) {
    const std::string attribute =
        EnumName(qapi::ProcessAttribute_Name(pa.attribute()), "PROCESS_ATTRIBUTE_");
    Figures(out, "process_attribute", s.area_id(), "", group)
        .Number(absl::StrCat(attribute, ".achievement"), pa.achievement())
        .Text(absl::StrCat(attribute, ".rating"), RatingName(pa.rating()));
  }
}

void AddPerceptionGap(std::string& out, const sapi::PerceptionGap& g) {
  // The subject goes where a reader filters for it: item pairs under item_id, areas under
  // area_id, SERVQUAL dimensions (neither) in front of the metric.
  absl::string_view area_id = g.area_id();
  absl::string_view item_id;
  std::string prefix;
  switch (g.subject_kind()) {
    case sapi::GAP_SUBJECT_KIND_AREA:
      area_id = g.subject_id();
      break;
    case sapi::GAP_SUBJECT_KIND_SERVQUAL_DIMENSION:
      prefix = absl::StrCat(g.subject_id(), ".");
      break;
    default:
      item_id = g.subject_id();
  }
  Figures(out, "perception_gap", area_id, item_id, GroupKey(g.customer_group()))
      .Number(absl::StrCat(prefix, "provider_score"), g.provider_score())
      .Number(absl::StrCat(prefix, "customer_score"), g.customer_score())
      .Number(absl::StrCat(prefix, "gap"), g.gap())
      .Flag(absl::StrCat(prefix, "low_confidence"), g.low_confidence());
}

void AddServqualGap(std::string& out, const sapi::ServqualGap& g) {
  const std::string dimension =
      EnumName(qapi::ServqualDimension_Name(g.dimension()), "SERVQUAL_DIMENSION_");
  Figures(out, "servqual_gap", "", g.item_id(), GroupKey(g.group()))
      .Number(absl::StrCat(dimension, ".expectation"), g.expectation())
      .Number(absl::StrCat(dimension, ".perception"), g.perception())
      .Number(absl::StrCat(dimension, ".gap"), g.gap())
      .Flag(absl::StrCat(dimension, ".low_confidence"), g.low_confidence());
}

void AddGoodEnough(std::string& out, const sapi::AreaGoodEnough& g) {
  Figures(out, "good_enough", g.area_id(), "", GroupKey(g.group()))
      .Number("target_score", g.target().target_score())
      .Number("score", g.score())
      .Number("gap_to_target", g.gap_to_target())
      .Number("tolerance", g.tolerance())
      .Text("status", EnumName(sapi::GoodEnoughStatus_Name(g.status()), "GOOD_ENOUGH_STATUS_"));
}

void AddImprovement(std::string& out, const sapi::Improvement& i) {
  Figures(out, "improvement", i.area_id(), i.item_id(), "")
      .Integer("rank", i.rank())
      .Number("priority_score", i.priority_score())
      .Flag("quick_win", i.quick_win());
}

void AddCoverage(std::string& out, const sapi::Coverage& coverage) {
  for (const sapi::GroupCoverage& g : coverage.groups()) {
    Figures(out, "coverage", "", "", GroupKey(g.group()))
        .Integer("invited_count", g.invited_count())
        .Integer("respondent_count", g.respondent_count())
        .Number("response_rate", g.response_rate())
        .Flag("low_confidence", g.low_confidence());
  }
  Figures(out, "coverage", "", "", "")
      .Integer("min_respondents", coverage.min_respondents())
      .Number("min_response_rate", coverage.min_response_rate())
      .Flag("low_confidence", coverage.low_confidence());
}

}  // namespace

absl::StatusOr<RenderedFile> ExportScorecardJson(const sapi::Scorecard& scorecard) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  RenderedFile file;
  const auto written =
      google::protobuf::util::MessageToJsonString(scorecard, &file.content, options);
  if (!written.ok()) {
    return Error(
        absl::StatusCode::kInternal, "INTERNAL",
        absl::StrCat("the scorecard cannot be written as JSON: ", written.message().as_string()));
  }
  file.content_type = "application/json";
  file.filename = absl::StrCat(FileStem(scorecard.name()), ".json");
  return file;
}

absl::StatusOr<RenderedFile> ExportScorecardCsv(const sapi::Scorecard& scorecard) {
  RenderedFile file;
  AppendCsvRow(file.content, {"kind", "area_id", "item_id", "group", "metric", "value"});
  for (const sapi::ItemScore& s : scorecard.item_scores()) AddItem(file.content, s);
  for (const sapi::AreaScore& s : scorecard.area_scores()) AddArea(file.content, s);
  for (const sapi::PerceptionGap& g : scorecard.perception_gaps()) {
    AddPerceptionGap(file.content, g);
  }
  for (const sapi::ServqualGap& g : scorecard.servqual_gaps()) AddServqualGap(file.content, g);
  for (const sapi::AreaGoodEnough& g : scorecard.good_enough()) AddGoodEnough(file.content, g);
  for (const sapi::Improvement& i : scorecard.improvements()) AddImprovement(file.content, i);
  AddCoverage(file.content, scorecard.coverage());
  file.content_type = "text/csv; charset=utf-8";
  file.filename = absl::StrCat(FileStem(scorecard.name()), ".csv");
  return file;
}

}  // namespace lagom::reporting
