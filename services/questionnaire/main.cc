// lagom-questionnaire: assessment models and versions, the tenant's catalogue of customer
// organisations and IT services, and tenancy (tenants, API keys, role bindings, the audit log,
// webhooks and their delivery worker, and the internal AuthService other services verify
// credentials with). Flags and wiring only.
#include <memory>

#include "absl/flags/flag.h"
#include "common/auth/service_auth.h"
#include "common/config.h"
#include "common/executor.h"
#include "common/log.h"
#include "common/server_flags.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/auth_service.h"
#include "services/questionnaire/catalog/catalog_core.h"
#include "services/questionnaire/catalog/catalog_import.h"
#include "services/questionnaire/catalog_service.h"
#include "services/questionnaire/model/model_core.h"
#include "services/questionnaire/model/tenancy_audit_sink.h"
#include "services/questionnaire/questionnaire_service.h"
#include "services/questionnaire/store/pg_catalog_store.h"
#include "services/questionnaire/store/pg_model_store.h"
#include "services/questionnaire/store/pg_tenancy_store.h"
#include "services/questionnaire/store/pg_webhook_store.h"
#include "services/questionnaire/tenancy/tenancy_core.h"
#include "services/questionnaire/tenant_service.h"
#include "services/questionnaire/webhooks/delivery_worker.h"
#include "services/questionnaire/webhooks/webhook_rpc_core.h"

ABSL_FLAG(std::string, postgres_url, "",
          "PostgreSQL URL, e.g. postgresql://lagom_app@127.0.0.1:5432/lagom");
ABSL_FLAG(std::string, operator_token_file, "",
          "File holding the hosting operator's token (tenant provisioning); empty: no operator");
ABSL_FLAG(bool, webhook_allow_private_networks, false,
          "Let webhooks reach private, loopback, link-local and metadata addresses (10/8, "
          "172.16/12, 192.168/16, 127/8, 169.254/16, 100.64/10, ::1, fc00::/7, fe80::/10, "
          "0.0.0.0); only for local receivers (local stack, tests, demo), never in production");

int main(int argc, char** argv) {
  namespace q = lagom::questionnaire;
  lagom::ParseCommandLineOrDie(argc, argv, "lagom-questionnaire: assessment models and catalogue");
  lagom::InitLogging("questionnaire");
  lagom::ServerOptions options = lagom::ServerOptionsFromFlags("questionnaire");
  // Room for a 4 MiB catalogue import or model document and the rest of its request.
  options.max_message_bytes = q::kMaxImportRequestBytes;
  std::unique_ptr<lagom::PgPool> pg = lagom::ConnectPostgresOrDie(
      "questionnaire", absl::GetFlag(FLAGS_postgres_url), q::Migrations());
  // Kept replies go once no retry can come for them.
  std::unique_ptr<lagom::RetentionSweeper> retention =
      lagom::StartRetentionOrDie("questionnaire", *pg, "questionnaire", /*with_outbox=*/false);

  lagom::Executor executor(lagom::ExecutorThreadsFromFlags("questionnaire"));
  q::PgTenancyStore tenancy_store(*pg);
  q::TenancyCore tenancy_core(tenancy_store);
  q::TenancyDirectory directory(tenancy_core);
  std::unique_ptr<lagom::auth::ServiceAuth> auth = lagom::auth::LocalServiceAuthOrDie(
      "questionnaire", directory, directory, absl::GetFlag(FLAGS_operator_token_file));
  const lagom::CallAdmitter& admitter = *auth->guard;

  q::TenancyAuditSink audit(tenancy_core);
  q::PgCatalogStore catalog_store(*pg);
  q::CatalogCore catalog_core(catalog_store, audit);
  q::CatalogServiceImpl catalog_service(catalog_core, admitter, executor);
  q::PgModelStore model_store(*pg);
  q::ModelCore model_core(model_store, audit);
  q::QuestionnaireServiceImpl questionnaire_service(model_core, admitter, executor);
  q::webhooks::PgWebhookStore webhook_store(*pg);
  const bool allow_private = absl::GetFlag(FLAGS_webhook_allow_private_networks);
  q::webhooks::WebhookRpcCore webhook_core(webhook_store,
                                           {.allow_private_networks = allow_private});
  q::TenantServiceImpl tenant_service(tenancy_core, webhook_core, admitter, executor);
  // Webhook deliveries of every tenant, from this process (replicas share the queue).
  q::webhooks::PgDeliveryQueue delivery_queue(*pg);
  q::webhooks::CurlWebhookSender webhook_sender({.allow_private_networks = allow_private});
  q::webhooks::DeliveryWorker delivery_worker(delivery_queue, webhook_sender);
  delivery_worker.Start();
  q::AuthServiceImpl auth_service(tenancy_core, webhook_core, admitter, executor);

  std::unique_ptr<lagom::Server> server = lagom::StartServerOrDie(
      options, {&questionnaire_service, &catalog_service, &tenant_service, &auth_service});
  return server->WaitForShutdownSignal();
}
