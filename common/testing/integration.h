// Helpers for integration tests that run against the real Redis and PostgreSQL started by
// tools/test. They never skip: a missing server is a failed test.
#ifndef LAGOM_COMMON_TESTING_INTEGRATION_H_
#define LAGOM_COMMON_TESTING_INTEGRATION_H_

#include <functional>
#include <future>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace lagom::testing {

// LAGOM_TEST_REDIS_ADDR ("host:port"). Unset: records a test failure that says to run
// tools/test, and returns an address nothing listens on so the test fails fast.
std::string TestRedisAddress();

// LAGOM_TEST_POSTGRES_URL (libpq URL). Unset: as above.
std::string TestPostgresUrl();

// The database the service binaries of the integration tests use, "lagom" on the test server,
// as tools/stack sets it up: owned by the role "lagom", which runs the services' migrations,
// and used by the services as "lagom_app" (no superuser, no BYPASSRLS), so that row-level
// security and the migrations' grants apply in the tests as they do in a deployment. `user`:
// "lagom_app", "lagom", or "postgres" (the test's superuser, for checks across tenants).
std::string TestServicesPostgresUrl(std::string_view user);

// Whether PostgreSQL backend `pid` (pg_backend_pid() of a test's connection) comes to wait
// for a lock within `limit`: for tests of who waits for whom.
bool AwaitsALock(int pid, absl::Duration limit = absl::Seconds(5));

// A tenant's purge, <schema>.purge_tenant(), started on a thread of its own and a connection
// of the services' role (as PgTenantData runs it), by default to the services' database: for
// tests of what it waits for.
class BackgroundPurge {
 public:
  BackgroundPurge(const std::string& schema, const std::string& tenant_id,
                  const std::string& app_url = TestServicesPostgresUrl("lagom_app"));
  ~BackgroundPurge() { Finish(); }
  BackgroundPurge(const BackgroundPurge&) = delete;
  BackgroundPurge& operator=(const BackgroundPurge&) = delete;

  // Its connection's backend, for AwaitsALock.
  int pid() const { return pid_; }
  // Waits for it to end: "" when it committed, else PostgreSQL's error.
  std::string Finish();

 private:
  std::unique_ptr<pqxx::connection> conn_;
  int pid_ = 0;
  std::string error_ = "not run";
  std::thread thread_;
};

// A write on a thread of its own that stops at its first Hold() until Release(): for tests of
// what waits for a write under way. The constructor returns once the write holds (or ended
// without holding).
class HeldWrite {
 public:
  explicit HeldWrite(std::function<absl::Status(HeldWrite&)> write);
  ~HeldWrite() { Release().IgnoreError(); }
  HeldWrite(const HeldWrite&) = delete;
  HeldWrite& operator=(const HeldWrite&) = delete;

  // Called by the write where it stops; later calls (a retried transaction) go straight on.
  void Hold();
  // Lets the write go on and waits for it to end: its outcome.
  absl::Status Release();

 private:
  std::promise<void> holding_;
  std::promise<void> go_;
  std::shared_future<void> gone_ = go_.get_future().share();
  bool held_ = false;  // the write's thread only
  absl::Status outcome_;
  std::thread thread_;
};

// "<prefix>-<12 random hex>": a tenant id no other test uses.
std::string UniqueTenantId(std::string_view prefix = "t");

// "<prefix>_<12 random hex>": a schema / migration owner no other test uses.
std::string UniqueSchemaName(std::string_view prefix = "test");

}  // namespace lagom::testing

#endif  // LAGOM_COMMON_TESTING_INTEGRATION_H_
