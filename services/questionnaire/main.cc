// lagom-questionnaire: assessment models and versions, the tenant's catalogue of customer
// organisations and IT services, and tenant administration. Flags and wiring only.
#include <memory>

#include "absl/flags/flag.h"
#include "common/config.h"
#include "common/executor.h"
#include "common/log.h"
#include "common/server_flags.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/catalog/catalog_core.h"
#include "services/questionnaire/catalog_service.h"
#include "services/questionnaire/questionnaire_service.h"
#include "services/questionnaire/store/pg_catalog_store.h"
#include "services/questionnaire/tenant_service.h"

ABSL_FLAG(std::string, postgres_url, "",
          "PostgreSQL URL, e.g. postgresql://lagom@127.0.0.1:5432/lagom");

int main(int argc, char** argv) {
  lagom::ParseCommandLineOrDie(argc, argv, "lagom-questionnaire: assessment models and catalogue");
  lagom::InitLogging("questionnaire");
  lagom::ServerOptions options = lagom::ServerOptionsFromFlags("questionnaire");
  std::unique_ptr<lagom::PgPool> pg = lagom::ConnectPostgresOrDie(
      "questionnaire", absl::GetFlag(FLAGS_postgres_url), lagom::questionnaire::Migrations());

  lagom::Executor executor(lagom::ExecutorThreadsFromFlags("questionnaire"));
  lagom::questionnaire::PgCatalogStore catalog_store(*pg);
  lagom::questionnaire::CatalogCore catalog_core(catalog_store);
  lagom::questionnaire::CatalogServiceImpl catalog_service(catalog_core, executor);
  lagom::questionnaire::QuestionnaireServiceImpl questionnaire_service;
  lagom::questionnaire::TenantServiceImpl tenant_service;

  std::unique_ptr<lagom::Server> server =
      lagom::StartServerOrDie(options, {&questionnaire_service, &catalog_service, &tenant_service});
  return server->WaitForShutdownSignal();
}
