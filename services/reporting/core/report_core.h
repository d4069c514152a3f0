// RenderReport and ExportScorecard: a recorded scorecard, with what a report shows beside it
// (area and item titles from its model version, the tenant's earlier scorecards for trends,
// the anonymous benchmark when the tenant takes part, organisation and service names, and the
// respondents' comments for the provider), handed to the pure renderer in ../render.
#ifndef LAGOM_SERVICES_REPORTING_CORE_REPORT_CORE_H_
#define LAGOM_SERVICES_REPORTING_CORE_REPORT_CORE_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/request_context.h"
#include "lagom/questionnaire/v1/model.pb.h"
#include "services/reporting/core/reporting_core.h"
#include "services/reporting/render/report.h"

namespace lagom::reporting {

// What a report needs from the other services, read as the caller.
class ReportSources {
 public:
  virtual ~ReportSources() = default;
  virtual absl::StatusOr<questionnaire::v1::ModelContent> ModelContent(
      const RequestContext& rc, const std::string& model_version) = 0;
  // Resource name → display name of the tenant's organisations and services.
  virtual absl::StatusOr<absl::flat_hash_map<std::string, std::string>> DisplayNames(
      const RequestContext& rc) = 0;
  // The tenant's default language ("en" when it has none).
  virtual absl::StatusOr<std::string> DefaultLanguage(const RequestContext& rc) = 0;
  // The free-text comments of the session's answers, by item and respondent group.
  virtual absl::StatusOr<std::vector<ReportComment>> Comments(const RequestContext& rc,
                                                              const std::string& session) = 0;
};

// Whether `earlier` belongs to the trend drawn beside `card`: an assessment of the same
// services (the same set). A report shareable with customers draws only sessions whose
// customers' figures it may show: with `customer_organization`, sessions that organisation took
// part in; without one, sessions of no organisation other than `card`'s.
bool InTrendOf(const sapi::Scorecard& card, const sapi::Scorecard& earlier, bool shareable,
               const std::string& customer_organization);
// The customers' half of InTrendOf, which an explicit baseline is held to as well.
bool CustomersMayBeShown(const sapi::Scorecard& card, const sapi::Scorecard& earlier,
                         bool shareable, const std::string& customer_organization);

// Puts `card`'s own customers' score on each area of `benchmark` as its own_score (cleared
// where `card` has none): the ◆ of a report places the scorecard it shows, which need not be
// the tenant's latest.
void PlaceOnBenchmark(const sapi::Scorecard& card, api::GetBenchmarkResponse& benchmark);

class ReportCore final {
 public:
  // At most this many earlier scorecards are drawn in the trend section, found among at most
  // kHistoryRead of the tenant's latest.
  static constexpr int kHistory = 10;
  static constexpr int kHistoryRead = 1000;

  ReportCore(ReportingCore& history, ReportSources& sources)
      : history_(history), sources_(sources) {}

  absl::Status RenderReport(const RequestContext& rc, const api::RenderReportRequest& req,
                            api::RenderReportResponse* resp);
  absl::Status ExportScorecard(const RequestContext& rc, const api::ExportScorecardRequest& req,
                               api::ExportScorecardResponse* resp);

 private:
  // The scorecard `name` (from request field `field`).
  absl::StatusOr<sapi::Scorecard> Get(const RequestContext& rc, const std::string& name,
                                      const std::string& field);
  // The tenant's scorecards closed before `card` that are InTrendOf it, oldest first, with
  // `baseline` among them (which a shareable report also holds to InTrendOf's customers).
  absl::StatusOr<std::vector<sapi::Scorecard>> History(const RequestContext& rc,
                                                       const sapi::Scorecard& card,
                                                       const api::RenderReportRequest& req);

  ReportingCore& history_;
  ReportSources& sources_;
};

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_CORE_REPORT_CORE_H_
