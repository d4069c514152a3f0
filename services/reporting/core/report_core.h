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

class ReportCore final {
 public:
  // At most this many earlier scorecards are drawn in the trend section.
  static constexpr int kHistory = 10;

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
  // The tenant's scorecards closed before `card`, oldest first, with `baseline` among them.
  absl::StatusOr<std::vector<sapi::Scorecard>> History(const RequestContext& rc,
                                                       const sapi::Scorecard& card,
                                                       const std::string& baseline);

  ReportingCore& history_;
  ReportSources& sources_;
};

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_CORE_REPORT_CORE_H_
