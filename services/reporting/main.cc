// lagom-reporting: scorecard history, trends, comparisons, benchmarks, rendered reports and
// exports, kept in PostgreSQL. Flags and wiring only.
#include <memory>

#include "absl/flags/flag.h"
#include "common/config.h"
#include "common/log.h"
#include "common/auth/service_auth.h"
#include "common/server_flags.h"
#include "reporting_migrations.h"
#include "services/reporting/reporting_service.h"

ABSL_FLAG(std::string, postgres_url, "",
          "PostgreSQL URL, e.g. postgresql://lagom@127.0.0.1:5432/lagom");

int main(int argc, char** argv) {
  lagom::ParseCommandLineOrDie(argc, argv, "lagom-reporting: scorecard history and reports");
  lagom::InitLogging("reporting");
  lagom::ServerOptions options = lagom::ServerOptionsFromFlags("reporting");
  std::unique_ptr<lagom::PgPool> pg = lagom::ConnectPostgresOrDie(
      "reporting", absl::GetFlag(FLAGS_postgres_url), lagom::reporting::Migrations());

  std::unique_ptr<lagom::auth::ServiceAuth> auth =
      lagom::auth::RemoteServiceAuthOrDie("reporting", /*invites=*/nullptr);
  lagom::reporting::ReportingServiceImpl reporting_service(*auth->guard);
  std::unique_ptr<lagom::Server> server = lagom::StartServerOrDie(options, {&reporting_service});
  return server->WaitForShutdownSignal();
}
