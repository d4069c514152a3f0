#include "common/testing/integration.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <pqxx/pqxx>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/strings.h"
#include "common/testing/scratch_database.h"

namespace lagom::testing {
namespace {

// Port 1 on loopback refuses connections at once.
constexpr char kNothingListens[] = "127.0.0.1:1";

std::string FromEnvOrFail(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  if (value != nullptr && *value != '\0') return value;
  ADD_FAILURE() << name << " is not set: run the integration tests with tools/test, which "
                << "starts Redis and PostgreSQL and sets it";
  return fallback;
}

std::string RandomHex() {
  absl::BitGen gen;
  return absl::StrFormat("%012x", absl::Uniform<uint64_t>(gen, 0, uint64_t{1} << 48));
}

}  // namespace

std::string TestRedisAddress() { return FromEnvOrFail("LAGOM_TEST_REDIS_ADDR", kNothingListens); }

std::string TestPostgresUrl() {
  return FromEnvOrFail("LAGOM_TEST_POSTGRES_URL",
                       absl::StrCat("postgresql://", kNothingListens, "/postgres"));
}

std::string TestServicesPostgresUrl(std::string_view user) {
  return WithDatabaseAndUser(TestPostgresUrl(), "lagom", std::string(user));
}

bool AwaitsALock(int pid, absl::Duration limit) {
  pqxx::connection conn(TestPostgresUrl());
  for (absl::Time give_up = absl::Now() + limit; absl::Now() < give_up;) {
    pqxx::work look(conn);
    if (look.exec_params1("SELECT count(*) FROM pg_stat_activity"
                          " WHERE pid = $1 AND wait_event_type = 'Lock'",
                          pid)[0]
            .as<int>() > 0) {
      return true;
    }
    look.commit();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

BackgroundPurge::BackgroundPurge(const std::string& schema, const std::string& tenant_id,
                                 const std::string& app_url)
    : conn_(std::make_unique<pqxx::connection>(app_url)) {
  pid_ = pqxx::nontransaction(*conn_).exec1("SELECT pg_backend_pid()")[0].as<int>();
  thread_ = std::thread([this, schema, tenant_id] {
    try {
      pqxx::work tx(*conn_);
      tx.exec_params("SELECT set_config('lagom.tenant_id', $1, true)", tenant_id);
      tx.exec(absl::StrCat("SELECT * FROM ", schema, ".purge_tenant()"));
      tx.commit();
      error_.clear();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  });
}

std::string BackgroundPurge::Finish() {
  if (thread_.joinable()) thread_.join();
  return error_;
}

HeldWrite::HeldWrite(std::function<absl::Status(HeldWrite&)> write) {
  std::future<void> held = holding_.get_future();
  thread_ = std::thread([this, write = std::move(write)] {
    outcome_ = write(*this);
    if (!held_) holding_.set_value();
  });
  held.wait();
}

void HeldWrite::Hold() {
  if (held_) return;
  held_ = true;
  holding_.set_value();
  gone_.wait();
}

absl::Status HeldWrite::Release() {
  if (thread_.joinable()) {
    go_.set_value();
    thread_.join();
  }
  return outcome_;
}

std::string UniqueTenantId(std::string_view prefix) {
  return absl::StrCat(ToAbsl(prefix), "-", RandomHex());
}

std::string UniqueSchemaName(std::string_view prefix) {
  return absl::StrCat(ToAbsl(prefix), "_", RandomHex());
}

}  // namespace lagom::testing
