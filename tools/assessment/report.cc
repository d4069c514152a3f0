#include "tools/assessment/report.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/status.h"
#include "lagom/reporting/v1/reporting.grpc.pb.h"

namespace lagom::assessment {
namespace {

namespace rep = ::lagom::reporting::v1;
namespace sc = ::lagom::scoring::v1;
namespace type = ::lagom::type::v1;

std::unique_ptr<grpc::ClientContext> Admin(const std::string& api_key) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + api_key);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

absl::Status Failed(absl::string_view what, const grpc::Status& s) {
  return absl::Status(FromGrpcStatus(s).code(), absl::StrCat(what, ": ", s.error_message()));
}

// The scorecard recorded for the session: scoring takes session.closed from the outbox, so it
// appears shortly after the close.
absl::StatusOr<sc::Scorecard> AwaitScorecard(rep::ReportingService::Stub& stub,
                                             const ReportOptions& o) {
  rep::ListScorecardsRequest req;
  req.set_parent(o.session.substr(0, o.session.find("/sessions/")));
  req.mutable_selector()->set_session(o.session);
  const absl::Time deadline = absl::Now() + o.wait;
  while (true) {
    rep::ListScorecardsResponse resp;
    grpc::Status s = stub.ListScorecards(Admin(o.api_key).get(), req, &resp);
    if (!s.ok()) return Failed("ListScorecards", s);
    if (!resp.scorecards().empty()) return resp.scorecards(0);
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("no scorecard for ", o.session, " after ", absl::FormatDuration(o.wait),
                       "; is the scoring service running, and the session service started with "
                       "--scoring_addr?"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::string Status(sc::GoodEnoughStatus s) {
  switch (s) {
    case sc::GOOD_ENOUGH_STATUS_BELOW:
      return "below target";
    case sc::GOOD_ENOUGH_STATUS_GOOD_ENOUGH:
      return "good enough";
    case sc::GOOD_ENOUGH_STATUS_ABOVE:
      return "above target";
    default:
      return "not scored";
  }
}

// Per area: provider and all-customer scores against the target, and the first improvements.
void PrintSummary(const sc::Scorecard& card) {
  std::map<std::string, std::map<type::ResponseGroupKind, const sc::AreaGoodEnough*>> areas;
  std::vector<std::string> order;
  for (const sc::AreaGoodEnough& g : card.good_enough()) {
    if (g.group().kind() == type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION) continue;
    if (!areas.count(g.area_id())) order.push_back(g.area_id());
    areas[g.area_id()][g.group().kind()] = &g;
  }
  std::printf("%-22s %8s %10s %8s  %s\n", "area", "provider", "customers", "target",
              "customers' verdict");
  for (const std::string& area : order) {
    const auto* p = areas[area][type::RESPONSE_GROUP_KIND_PROVIDER];
    const auto* c = areas[area][type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS];
    const sc::AreaGoodEnough* any = c ? c : p;
    std::printf("%-22s %8s %10s %7.0f%%  %s\n", area.c_str(),
                p ? absl::StrFormat("%.0f%%", 100 * p->score()).c_str() : "-",
                c ? absl::StrFormat("%.0f%%", 100 * c->score()).c_str() : "-",
                100 * any->target().target_score(), c ? Status(c->status()).c_str() : "-");
  }
  std::printf("improve first:\n");
  for (int i = 0; i < card.improvements_size() && i < 3; ++i) {
    const sc::Improvement& imp = card.improvements(i);
    auto title = imp.title().translations().find("en");
    std::printf(
        "  %d. %s%s\n", imp.rank(),
        title == imp.title().translations().end() ? imp.item_id().c_str() : title->second.c_str(),
        imp.quick_win() ? " (quick win)" : "");
  }
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("could not write ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::string> Render(rep::ReportingService::Stub& stub, const ReportOptions& o,
                                   const std::string& scorecard, rep::ReportAudience audience,
                                   const std::string& organization, const std::string& file) {
  rep::RenderReportRequest req;
  req.set_scorecard(scorecard);
  req.set_language_tag(o.language);
  req.set_audience(audience);
  req.set_customer_organization(organization);
  rep::RenderReportResponse resp;
  grpc::Status s = stub.RenderReport(Admin(o.api_key).get(), req, &resp);
  if (!s.ok()) return Failed("RenderReport", s);
  const std::string path = absl::StrCat(o.directory, "/", file);
  if (absl::Status w = WriteFile(path, resp.content()); !w.ok()) return w;
  return path;
}

absl::StatusOr<std::string> Export(rep::ReportingService::Stub& stub, const ReportOptions& o,
                                   const std::string& scorecard, rep::ExportFormat format,
                                   const std::string& file) {
  rep::ExportScorecardRequest req;
  req.set_name(scorecard);
  req.set_format(format);
  rep::ExportScorecardResponse resp;
  grpc::Status s = stub.ExportScorecard(Admin(o.api_key).get(), req, &resp);
  if (!s.ok()) return Failed("ExportScorecard", s);
  const std::string path = absl::StrCat(o.directory, "/", file);
  if (absl::Status w = WriteFile(path, resp.content()); !w.ok()) return w;
  return path;
}

}  // namespace

absl::StatusOr<std::string> WriteReport(std::shared_ptr<grpc::Channel> reporting,
                                        const ReportOptions& o) {
  auto stub = rep::ReportingService::NewStub(reporting);
  const absl::Time closed = absl::Now();
  absl::StatusOr<sc::Scorecard> card = AwaitScorecard(*stub, o);
  if (!card.ok()) return card.status();
  std::printf("scored and recorded as %s (%.1f s after the close)\n", card->name().c_str(),
              absl::ToDoubleSeconds(absl::Now() - closed));
  PrintSummary(*card);

  absl::StatusOr<std::string> report =
      Render(*stub, o, card->name(), rep::REPORT_AUDIENCE_PROVIDER, "", "report.html");
  if (!report.ok()) return report.status();
  std::vector<std::string> written = {*report};
  if (!o.organization.empty()) {
    const std::string id(o.organization.substr(o.organization.rfind('/') + 1));
    absl::StatusOr<std::string> shared =
        Render(*stub, o, card->name(), rep::REPORT_AUDIENCE_CUSTOMER_SHAREABLE, o.organization,
               absl::StrCat("report-", id, ".html"));
    if (!shared.ok()) return shared.status();
    written.push_back(*shared);
  }
  for (const auto& [format, file] : {std::pair{rep::EXPORT_FORMAT_JSON, "scorecard.json"},
                                     std::pair{rep::EXPORT_FORMAT_CSV, "scorecard.csv"}}) {
    absl::StatusOr<std::string> exported = Export(*stub, o, card->name(), format, file);
    if (!exported.ok()) return exported.status();
    written.push_back(*exported);
  }
  for (const std::string& path : written) std::printf("wrote %s\n", path.c_str());
  return *report;
}

}  // namespace lagom::assessment
