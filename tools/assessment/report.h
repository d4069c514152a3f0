// The end of an assessment, as the provider sees it: the scorecard scoring recorded when the
// session closed, summarised on the terminal, and the report and exports written to files.
#ifndef LAGOM_TOOLS_ASSESSMENT_REPORT_H_
#define LAGOM_TOOLS_ASSESSMENT_REPORT_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lagom::assessment {

struct ReportOptions {
  std::string api_key;
  std::string session;       // the closed session
  std::string directory;     // where the files go
  std::string language;      // "en" or "sv"
  std::string organization;  // a customer organisation, for its shareable report
  absl::Duration wait = absl::Seconds(60);
};

// Waits for the session's scorecard in reporting, prints its summary and writes report.html,
// report-<organisation>.html (shareable), scorecard.json and scorecard.csv into the directory.
// Returns the path of report.html.
absl::StatusOr<std::string> WriteReport(std::shared_ptr<grpc::Channel> reporting,
                                        const ReportOptions& options);

}  // namespace lagom::assessment

#endif  // LAGOM_TOOLS_ASSESSMENT_REPORT_H_
