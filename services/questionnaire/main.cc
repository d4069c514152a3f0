// lagom-questionnaire: assessment models and versions, the tenant's catalogue of customer
// organisations and IT services, and tenancy (tenants, API keys, role bindings, the audit log,
// webhooks and their delivery worker, and the internal AuthService other services verify
// credentials with). Flags and wiring only.
#include <memory>

#include "absl/flags/flag.h"
#include "common/auth/service_auth.h"
#include "common/auth/tenant_data.h"
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
ABSL_FLAG(std::string, session_addr, "",
          "The session service, whose share of a tenant's data DeleteTenant counts and purges "
          "(empty: deleting a tenant is refused without force, and with force its purge there "
          "waits for a replica that has the address)");
ABSL_FLAG(std::string, reporting_addr, "",
          "The reporting service, whose share of a tenant's data DeleteTenant counts and "
          "purges (empty: as for --session_addr)");
ABSL_FLAG(absl::Duration, tenant_purge_delay, absl::Minutes(1),
          "DeleteTenant with force purges the tenant's data this long after the tenant is "
          "DELETED, so that work of the tenant already under way finishes first");

int main(int argc, char** argv) {
  namespace q = lagom::questionnaire;
  lagom::ParseCommandLineOrDie(argc, argv, "lagom-questionnaire: assessment models and catalogue");
  lagom::InitLogging("questionnaire");
  lagom::ServerOptions options = lagom::ServerOptionsFromFlags("questionnaire");
  // Room for a 4 MiB catalogue import or model document and the rest of its request.
  options.max_message_bytes = q::kMaxImportRequestBytes;
  std::unique_ptr<lagom::PgPool> pg = lagom::ConnectPostgresOrDie(
      "questionnaire", absl::GetFlag(FLAGS_postgres_url), q::Migrations());
  // Kept replies go once no retry can come for them, and handed-over purge events after a week.
  std::unique_ptr<lagom::RetentionSweeper> retention =
      lagom::StartRetentionOrDie("questionnaire", *pg, "questionnaire", /*with_outbox=*/true);

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

  // A tenant's data in every service: counted by DeleteTenant, and purged (with force) through
  // this service's outbox, by a relay per service on every replica.
  lagom::auth::PgTenantData own_data(*pg, "questionnaire");
  std::vector<lagom::auth::TenantDataHolder*> holders = {&own_data};
  std::vector<std::unique_ptr<lagom::auth::RemoteTenantData>> remote_data;
  std::vector<std::unique_ptr<lagom::auth::TenantPurgeRelay>> purges;
  purges.push_back(std::make_unique<lagom::auth::TenantPurgeRelay>(*pg, own_data));
  for (const auto& [name, addr] : {std::pair{"session", absl::GetFlag(FLAGS_session_addr)},
                                   std::pair{"reporting", absl::GetFlag(FLAGS_reporting_addr)}}) {
    std::shared_ptr<grpc::Channel> channel;
    if (!addr.empty()) {
      channel = lagom::ServiceChannelOrDie("questionnaire", absl::StrCat(name, "_addr"), addr);
    } else {
      lagom::LogWarn(absl::StrCat(
          "no --", name, "_addr: DeleteTenant cannot count a tenant's data in the ", name,
          " service, and purges there wait until a replica with the address hands them over"));
    }
    remote_data.push_back(
        std::make_unique<lagom::auth::RemoteTenantData>(name, channel, auth->service_token));
    holders.push_back(remote_data.back().get());
    if (channel != nullptr) {
      purges.push_back(std::make_unique<lagom::auth::TenantPurgeRelay>(*pg, *remote_data.back()));
    }
  }
  tenancy_core.SetTenantData(holders, absl::GetFlag(FLAGS_tenant_purge_delay));

  std::unique_ptr<lagom::Server> server = lagom::StartServerOrDie(
      options, {&questionnaire_service, &catalog_service, &tenant_service, &auth_service});
  return server->WaitForShutdownSignal();
}
