// Catalogue import (issue 8) of 10,000 rows: reading and checking the payload alone, and the
// whole ImportCatalog on real PostgreSQL (first import: every row created; the same file
// again: every row unchanged). Needs LAGOM_TEST_POSTGRES_URL, as the integration tests do.
// Run: build/tools/bench/import_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/postgres.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/catalog/catalog_core.h"
#include "services/questionnaire/catalog/catalog_import.h"
#include "services/questionnaire/model/recording_audit_sink.h"
#include "services/questionnaire/store/pg_catalog_store.h"

namespace lagom::questionnaire {
namespace {

constexpr int kOrganizations = 5000;
constexpr int kServices = 5000;

// An export as a platform would write it: every column, organisations first, each service
// used by two organisations.
std::string TenThousandRows() {
  std::string csv =
      "record_type,external_id,display_name,description,contact_name,contact_email,industry,"
      "country_code,language_tag,owner,owner_email,category,lifecycle_stage,"
      "service_level_summary,service_level_availability_target_percent,"
      "customer_organization_external_ids,labels\r\n";
  for (int i = 0; i < kOrganizations; ++i) {
    absl::StrAppend(&csv, "customer_organization,co-", i, ",\"Customer ", i,
                    ", AB\",Customer since 2019,Contact ", i, ",contact", i,
                    "@customer.example,O84,SE,sv,,,,,,,,segment=public\r\n");
  }
  for (int i = 0; i < kServices; ++i) {
    absl::StrAppend(&csv, "service,svc-", i, ",Service ", i, ",\"Mailboxes, calendars\",,,,,,",
                    "Team ", i % 20, ",team@provider.example,Business service,LIVE,",
                    "\"Mon-Fri 07-18, P1 in 4 h\",99.5,co-", i, ";co-", (i + 1) % kOrganizations,
                    ",tier=gold\r\n");
  }
  return csv;
}

void BM_ParseCsv10000Rows(benchmark::State& state) {
  const std::string csv = TenThousandRows();
  for (auto _ : state) {
    absl::StatusOr<ParsedImport> parsed = ParseImportPayload(catalog::IMPORT_FORMAT_CSV, csv);
    if (!parsed.ok() || parsed->rows.size() != kOrganizations + kServices) {
      state.SkipWithError("the generated file does not parse");
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.counters["bytes"] = static_cast<double>(csv.size());
}
BENCHMARK(BM_ParseCsv10000Rows)->Unit(benchmark::kMillisecond);

// Each iteration imports into a tenant of its own: the first import creates 10,000 resources.
void BM_ImportCatalog10000Rows(benchmark::State& state) {
  const char* url = std::getenv("LAGOM_TEST_POSTGRES_URL");
  if (url == nullptr) return state.SkipWithError("LAGOM_TEST_POSTGRES_URL is not set");
  absl::StatusOr<std::unique_ptr<PgPool>> pool = PgPool::Connect(url, 2, absl::Seconds(5));
  if (!pool.ok() || !(*pool)->RunMigrations("questionnaire", Migrations()).ok()) {
    return state.SkipWithError("cannot reach PostgreSQL");
  }
  PgCatalogStore store(**pool);
  RecordingAuditSink audit;
  CatalogCore core(store, audit);
  const bool again = state.range(0) == 1;
  catalog::ImportCatalogRequest req;
  req.set_format(catalog::IMPORT_FORMAT_CSV);
  req.set_payload(TenThousandRows());
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    RequestContext rc{.tenant_id = absl::StrCat("bench-", getpid(), "-", run++, again ? "-a" : "")};
    req.set_parent("tenants/" + rc.tenant_id);
    catalog::ImportCatalogResponse resp;
    if (again && !core.ImportCatalog(rc, req, &resp).ok()) {
      return state.SkipWithError("the first import failed");
    }
    state.ResumeTiming();
    absl::Status status = core.ImportCatalog(rc, req, &resp);
    if (!status.ok() || !resp.applied()) return state.SkipWithError(status.ToString().c_str());
    const int expected =
        again ? resp.unchanged_count()
              : resp.created_customer_organization_count() + resp.created_service_count();
    if (expected != kOrganizations + kServices) return state.SkipWithError("not every row counted");
  }
}
BENCHMARK(BM_ImportCatalog10000Rows)
    ->ArgName("reimport")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace lagom::questionnaire

BENCHMARK_MAIN();
