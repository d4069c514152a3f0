#include "services/reporting/core/report_core.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/channel.h"
#include "common/log.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "services/reporting/core/figures.h"

namespace lagom::reporting {
namespace {

// A rendered file goes back in one reply, which holds at most kMaxMessageBytes (less room for
// the rest of the reply): a larger one is refused, saying what reads the scorecard instead.
absl::Status CheckFits(const RenderedFile& file, absl::string_view what) {
  constexpr size_t kMaxFileBytes = kMaxMessageBytes - (64 << 10);
  if (file.content.size() <= kMaxFileBytes) return absl::OkStatus();
  return Error(absl::StatusCode::kFailedPrecondition, "RESULT_TOO_LARGE",
               absl::StrCat(what, " is ", file.content.size(),
                            " bytes, more than one reply holds (", kMaxFileBytes,
                            "); read the scorecard itself with GetScorecard or "
                            "StreamScorecards, or export it as CSV"));
}

// `tenants/{t}/models/{m}/versions/{v}` or `models/{m}/versions/{v}` → the model.
std::string ModelOf(const std::string& model_version) {
  const size_t cut = model_version.rfind("/versions/");
  return cut == std::string::npos ? model_version : model_version.substr(0, cut);
}

// Extras the report can do without: it is still worth having when one of them is missing.
template <typename T>
std::optional<T> Optional(absl::StatusOr<T> value, absl::string_view what) {
  if (value.ok()) return *std::move(value);
  LogWarn("report rendered without an optional part",
          {{"part", std::string(what)}, {"error", value.status().ToString()}});
  return std::nullopt;
}

template <typename Names>
absl::flat_hash_set<std::string> SetOf(const Names& names) {
  return absl::flat_hash_set<std::string>(names.begin(), names.end());
}

}  // namespace

bool CustomersMayBeShown(const sapi::Scorecard& card, const sapi::Scorecard& earlier,
                         bool shareable, const std::string& customer_organization) {
  if (!shareable) return true;
  const absl::flat_hash_set<std::string> theirs = SetOf(earlier.customer_organizations());
  if (!customer_organization.empty()) return theirs.contains(customer_organization);
  const absl::flat_hash_set<std::string> ours = SetOf(card.customer_organizations());
  return std::all_of(theirs.begin(), theirs.end(),
                     [&](const std::string& org) { return ours.contains(org); });
}

bool InTrendOf(const sapi::Scorecard& card, const sapi::Scorecard& earlier, bool shareable,
               const std::string& customer_organization) {
  return SetOf(earlier.services()) == SetOf(card.services()) &&
         CustomersMayBeShown(card, earlier, shareable, customer_organization);
}

absl::StatusOr<sapi::Scorecard> ReportCore::Get(const RequestContext& rc, const std::string& name,
                                                const std::string& field) {
  Violations v;
  absl::StatusOr<std::string> id = TenantResourceId(rc, name, field, "scorecards", "scorecard", v);
  if (!id.ok()) return id.status();
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  api::GetScorecardRequest req;
  req.set_name(name);
  api::GetScorecardResponse resp;
  if (absl::Status s = history_.GetScorecard(rc, req, &resp); !s.ok()) return s;
  return std::move(*resp.mutable_scorecard());
}

absl::StatusOr<std::vector<sapi::Scorecard>> ReportCore::History(
    const RequestContext& rc, const sapi::Scorecard& card, const api::RenderReportRequest& req) {
  const bool shareable = req.audience() == api::REPORT_AUDIENCE_CUSTOMER_SHAREABLE;
  api::ListScorecardsRequest list;
  list.set_parent(absl::StrCat("tenants/", rc.tenant_id));
  list.set_page_size(100);
  if (card.has_session_close_time()) {
    *list.mutable_selector()->mutable_end_time() = card.session_close_time();
  }
  if (!card.services().empty()) list.mutable_selector()->set_service(card.services(0));
  std::vector<sapi::Scorecard> out;
  for (int read = 0; out.size() < static_cast<size_t>(kHistory) && read < kHistoryRead;) {
    api::ListScorecardsResponse resp;
    if (absl::Status s = history_.ListScorecards(rc, list, &resp); !s.ok()) return s;
    read += resp.scorecards_size();
    for (sapi::Scorecard& earlier : *resp.mutable_scorecards()) {
      if (out.size() == static_cast<size_t>(kHistory)) break;
      if (earlier.name() != card.name() &&
          InTrendOf(card, earlier, shareable, req.customer_organization())) {
        out.push_back(std::move(earlier));
      }
    }
    if (resp.next_page_token().empty()) break;
    list.set_page_token(resp.next_page_token());
  }
  const std::string& baseline = req.baseline_scorecard();
  const bool listed = std::any_of(out.begin(), out.end(),
                                  [&](const sapi::Scorecard& s) { return s.name() == baseline; });
  if (!baseline.empty() && !listed) {
    absl::StatusOr<sapi::Scorecard> base = Get(rc, baseline, "baseline_scorecard");
    if (!base.ok()) return base.status();
    // A baseline is an earlier assessment: the report's own, or a later one, would draw the
    // trend backwards.
    if (base->name() == card.name() ||
        FromProto(base->session_close_time()) >= FromProto(card.session_close_time())) {
      return InvalidArgumentError(
          "invalid RenderReport request",
          {{"baseline_scorecard",
            absl::StrCat(baseline,
                         base->name() == card.name()
                             ? " is the scorecard this report is of"
                             : " is of a session that closed no earlier than this report's",
                         "; a baseline is an earlier assessment")}});
    }
    // The provider may compare with any assessment; customers only with their own.
    if (!CustomersMayBeShown(card, *base, shareable, req.customer_organization())) {
      return InvalidArgumentError(
          "invalid RenderReport request",
          {{"baseline_scorecard",
            absl::StrCat(baseline, " is of a session with customers this report may not show (",
                         req.customer_organization().empty()
                             ? "organisations that did not take part in the scored session"
                             : absl::StrCat(req.customer_organization(), " did not take part"),
                         "); a report shareable with customers compares only with sessions of "
                         "its own customers")}});
    }
    out.push_back(*std::move(base));
  }
  std::sort(out.begin(), out.end(), [](const sapi::Scorecard& a, const sapi::Scorecard& b) {
    return FromProto(a.session_close_time()) < FromProto(b.session_close_time());
  });
  return out;
}

void PlaceOnBenchmark(const sapi::Scorecard& card, api::GetBenchmarkResponse& benchmark) {
  absl::flat_hash_map<std::string, double> own;
  for (const AreaFigure& f : AreaFiguresOf(card)) {
    if (f.group_kind == tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS && f.score) {
      own[f.area_lineage_id] = *f.score;
    }
  }
  for (api::AreaBenchmark& area : *benchmark.mutable_areas()) {
    auto found = own.find(area.area_lineage_id());
    if (found == own.end()) {
      area.clear_own_score();
    } else {
      area.set_own_score(found->second);
    }
  }
}

absl::Status ReportCore::RenderReport(const RequestContext& rc, const api::RenderReportRequest& req,
                                      api::RenderReportResponse* resp) {
  if (req.format() != api::REPORT_FORMAT_UNSPECIFIED && req.format() != api::REPORT_FORMAT_HTML) {
    return InvalidArgumentError("invalid RenderReport request",
                                {{"format", "unknown format; allowed: REPORT_FORMAT_HTML"}});
  }
  absl::StatusOr<sapi::Scorecard> card = Get(rc, req.scorecard(), "scorecard");
  if (!card.ok()) return card.status();
  absl::StatusOr<std::vector<sapi::Scorecard>> history = History(rc, *card, req);
  if (!history.ok()) return history.status();
  absl::StatusOr<questionnaire::v1::ModelContent> model =
      sources_.ModelContent(rc, card->model_version());
  if (!model.ok()) return model.status();

  ReportInput input;
  input.scorecard = &*card;
  input.model = &*model;
  input.history = *std::move(history);
  input.audience = req.audience();
  input.customer_organization = req.customer_organization();
  input.language = req.language_tag();
  if (input.language.empty()) {
    input.language = Optional(sources_.DefaultLanguage(rc), "tenant language").value_or("en");
  }
  input.display_names = Optional(sources_.DisplayNames(rc), "names")
                            .value_or(absl::flat_hash_map<std::string, std::string>());
  // Only a tenant that takes part sees the benchmark; others simply get no such section.
  api::GetBenchmarkRequest bench;
  bench.set_parent(absl::StrCat("tenants/", rc.tenant_id));
  bench.set_model(ModelOf(card->model_version()));
  api::GetBenchmarkResponse benchmark;
  if (history_.GetBenchmark(rc, bench, &benchmark).ok()) {
    PlaceOnBenchmark(*card, benchmark);
    input.benchmark = &benchmark;
  }
  const bool shareable = req.audience() == api::REPORT_AUDIENCE_CUSTOMER_SHAREABLE;
  if (!shareable) {
    input.comments = Optional(sources_.Comments(rc, card->session()), "comments")
                         .value_or(std::vector<ReportComment>());
  }
  absl::StatusOr<RenderedFile> file = RenderHtmlReport(input);
  if (!file.ok()) return file.status();
  if (absl::Status fits = CheckFits(*file, "the report"); !fits.ok()) return fits;
  resp->set_content(std::move(file->content));
  resp->set_content_type(std::move(file->content_type));
  resp->set_filename(std::move(file->filename));
  return absl::OkStatus();
}

absl::Status ReportCore::ExportScorecard(const RequestContext& rc,
                                         const api::ExportScorecardRequest& req,
                                         api::ExportScorecardResponse* resp) {
  absl::StatusOr<sapi::Scorecard> card = Get(rc, req.name(), "name");
  if (!card.ok()) return card.status();
  absl::StatusOr<RenderedFile> file;
  switch (req.format()) {
    case api::EXPORT_FORMAT_UNSPECIFIED:
    case api::EXPORT_FORMAT_JSON:
      file = ExportScorecardJson(*card);
      break;
    case api::EXPORT_FORMAT_CSV:
      file = ExportScorecardCsv(*card);
      break;
    default:
      return InvalidArgumentError(
          "invalid ExportScorecard request",
          {{"format", "unknown format; allowed: EXPORT_FORMAT_JSON, EXPORT_FORMAT_CSV"}});
  }
  if (!file.ok()) return file.status();
  if (absl::Status fits = CheckFits(*file, "the export"); !fits.ok()) return fits;
  resp->set_content(std::move(file->content));
  resp->set_content_type(std::move(file->content_type));
  resp->set_filename(std::move(file->filename));
  return absl::OkStatus();
}

}  // namespace lagom::reporting
