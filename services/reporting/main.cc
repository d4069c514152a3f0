// lagom-reporting: scorecard history, trends, comparisons, benchmarks, rendered reports and
// exports, kept in PostgreSQL. Flags and wiring only.
#include <grpcpp/create_channel.h>

#include <memory>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "common/auth/service_auth.h"
#include "common/auth/tenant_data.h"
#include "common/auth/webhook_event_consumer.h"
#include "common/channel.h"
#include "common/config.h"
#include "common/executor.h"
#include "common/log.h"
#include "common/server_flags.h"
#include "reporting_migrations.h"
#include "services/reporting/core/reporting_core.h"
#include "services/reporting/reporting_service.h"
#include "services/reporting/store/pg_scorecard_store.h"
#include "services/reporting/store/remote_report_sources.h"
#include "services/reporting/store/remote_tenant_settings.h"

ABSL_FLAG(std::string, postgres_url, "",
          "PostgreSQL URL, e.g. postgresql://lagom@127.0.0.1:5432/lagom");
// Defined with the service auth flags (API keys are verified there too); reporting also reads
// each tenant's benchmark opt-in from the questionnaire service's TenantService.
ABSL_DECLARE_FLAG(std::string, questionnaire_addr);
ABSL_FLAG(std::string, session_addr, "",
          "Session service HOST:PORT, where provider reports read the respondents' comments");

int main(int argc, char** argv) {
  lagom::ParseCommandLineOrDie(argc, argv, "lagom-reporting: scorecard history and reports");
  lagom::InitLogging("reporting");
  lagom::ServerOptions options = lagom::ServerOptionsFromFlags("reporting");
  // RecordScorecard takes a whole scorecard.
  options.max_message_bytes = lagom::kMaxMessageBytes;
  std::unique_ptr<lagom::PgPool> pg = lagom::ConnectPostgresOrDie(
      "reporting", absl::GetFlag(FLAGS_postgres_url), lagom::reporting::Migrations());
  // Kept replies go once no retry can come for them, delivered events after a while.
  std::unique_ptr<lagom::RetentionSweeper> retention =
      lagom::StartRetentionOrDie("reporting", *pg, "reporting", /*with_outbox=*/true);

  std::unique_ptr<lagom::auth::ServiceAuth> auth =
      lagom::auth::RemoteServiceAuthOrDie("reporting", /*invites=*/nullptr);
  lagom::Executor executor(lagom::ExecutorThreadsFromFlags("reporting"));
  lagom::reporting::PgScorecardStore store(*pg);
  lagom::reporting::RemoteTenantSettings settings(
      lagom::ServiceChannelOrDie("reporting", "questionnaire_addr",
                                 absl::GetFlag(FLAGS_questionnaire_addr)),
      auth->service_token);
  lagom::reporting::ReportingCore core(store, settings);
  const std::string session_addr = absl::GetFlag(FLAGS_session_addr);
  if (session_addr.empty()) {
    lagom::LogWarn("no --session_addr: provider reports are rendered without comments");
  }
  lagom::reporting::RemoteReportSources sources(
      lagom::ServiceChannelOrDie("reporting", "questionnaire_addr",
                                 absl::GetFlag(FLAGS_questionnaire_addr)),
      session_addr.empty() ? nullptr
                           : lagom::ServiceChannelOrDie("reporting", "session_addr", session_addr),
      auth->service_token);
  lagom::reporting::ReportCore reports(core, sources);
  lagom::reporting::ReportingServiceImpl reporting_service(*auth->guard, executor, core, reports,
                                                           auth->limiter.get());
  // scorecard.ready and improvement.proposed leave the outbox for the tenant's webhooks
  // (handed to the questionnaire service), from every replica at once.
  lagom::auth::WebhookOutboxRelay webhooks(
      *pg, "reporting.outbox", "scorecard_id",
      lagom::ServiceChannelOrDie("reporting", "questionnaire_addr",
                                 absl::GetFlag(FLAGS_questionnaire_addr)),
      auth->service_token, "reporting");
  // A deleted tenant's scorecards and figures.
  lagom::auth::PgTenantData tenant_data(*pg, "reporting");
  lagom::auth::TenantDataServiceImpl tenant_data_service(tenant_data, *auth->guard, executor);
  std::unique_ptr<lagom::Server> server =
      lagom::StartServerOrDie(options, {&reporting_service, &tenant_data_service});
  return server->WaitForShutdownSignal();
}
