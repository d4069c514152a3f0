#include "common/postgres.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/pg_binary.h"
#include "common/testing/integration.h"
#include "common_test_migrations.h"

namespace lagom {
namespace {

using ::testing::HasSubstr;

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override { pool_ = Connect(4); }

  void TearDown() override {
    if (pool_ == nullptr) return;
    EXPECT_TRUE(Exec(absl::StrCat("DROP SCHEMA IF EXISTS ", owner_,
                                  " CASCADE; DELETE FROM public.lagom_schema_migrations "
                                  "WHERE owner = '",
                                  owner_, "'"))
                    .ok());
  }

  std::unique_ptr<PgPool> Connect(int size) {
    absl::StatusOr<std::unique_ptr<PgPool>> pool =
        PgPool::Connect(testing::TestPostgresUrl(), size, absl::Seconds(5));
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? *std::move(pool) : nullptr;
  }

  std::vector<Migration> Migrations() {
    return {{1, "schema", absl::StrCat("CREATE SCHEMA ", owner_)},
            {2, "items",
             absl::StrCat("CREATE TABLE ", owner_,
                          ".items (id text PRIMARY KEY, tenant text NOT NULL)")}};
  }

  absl::Status Exec(const std::string& sql) {
    return pool_->WithTenant(tenant_, [&](PgTransaction& tx) {
      tx.exec(sql);
      return absl::OkStatus();
    });
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(pool_
                    ->WithTenant(tenant_,
                                 [&](PgTransaction& tx) {
                                   n = tx.exec1(sql)[0].as<int64_t>();
                                   return absl::OkStatus();
                                 })
                    .ok());
    return n;
  }

  absl::Status Insert(const std::string& id) {
    return pool_->WithTenant(tenant_, [&](PgTransaction& tx) {
      tx.exec_params(absl::StrCat("INSERT INTO ", owner_,
                                  ".items VALUES ($1, current_setting('lagom.tenant_id'))"),
                     id);
      return absl::OkStatus();
    });
  }

  const std::string owner_ = testing::UniqueSchemaName("mig");
  RequestContext tenant_{.tenant_id = testing::UniqueTenantId()};
  std::unique_ptr<PgPool> pool_;
};

TEST_F(PostgresTest, MigrationsApplyOnceAndAreIdempotent) {
  ASSERT_NE(pool_, nullptr);
  ASSERT_TRUE(pool_->RunMigrations(owner_, Migrations()).ok());
  ASSERT_TRUE(pool_->RunMigrations(owner_, Migrations()).ok());
  EXPECT_EQ(
      Count(absl::StrCat("SELECT count(*) FROM public.lagom_schema_migrations WHERE owner = '",
                         owner_, "'")),
      2);
  EXPECT_TRUE(Insert("a").ok());
}

TEST_F(PostgresTest, ChangedMigrationIsDetected) {
  ASSERT_NE(pool_, nullptr);
  ASSERT_TRUE(pool_->RunMigrations(owner_, Migrations()).ok());
  std::vector<Migration> changed = Migrations();
  changed[1].sql += ", extra int";
  absl::Status s = pool_->RunMigrations(owner_, changed);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat(owner_, "/2 (items)")));
}

TEST_F(PostgresTest, FailingMigrationIsNotRecorded) {
  ASSERT_NE(pool_, nullptr);
  std::vector<Migration> migrations = Migrations();
  migrations.push_back({3, "broken", "CREATE TABLE nowhere.x (id int)"});
  absl::Status s = pool_->RunMigrations(owner_, migrations);
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("migration ", owner_, "/3 (broken) failed")));
  EXPECT_EQ(
      Count(absl::StrCat("SELECT count(*) FROM public.lagom_schema_migrations WHERE owner = '",
                         owner_, "'")),
      2);
}

TEST_F(PostgresTest, EmbeddedMigrationsRun) {
  ASSERT_NE(pool_, nullptr);
  const std::vector<Migration>& embedded = lagom::common_test::Migrations();
  ASSERT_EQ(embedded.size(), 2u);
  EXPECT_EQ(embedded[0].version, 1);
  EXPECT_EQ(embedded[1].name, "items");
  EXPECT_THAT(embedded[1].sql, HasSubstr("CREATE TABLE IF NOT EXISTS common_test.items"));
  EXPECT_TRUE(pool_->RunMigrations("common_test", embedded).ok());
  EXPECT_TRUE(pool_->RunMigrations("common_test", embedded).ok());
}

TEST_F(PostgresTest, TenantIsSetInsideTheTransactionOnly) {
  pool_ = Connect(1);  // one connection, so every step below shares it
  ASSERT_NE(pool_, nullptr);
  ASSERT_TRUE(pool_
                  ->WithTenant(tenant_,
                               [&](PgTransaction& tx) {
                                 EXPECT_EQ(
                                     tx.exec1("SELECT current_setting('lagom.tenant_id', true)")[0]
                                         .as<std::string>(),
                                     tenant_.tenant_id);
                                 return absl::OkStatus();
                               })
                  .ok());
  // Migrations run without a tenant: record what the connection holds after the commit.
  ASSERT_TRUE(
      pool_
          ->RunMigrations(
              owner_,
              {{1, "seen",
                absl::StrCat("CREATE SCHEMA ", owner_, "; CREATE TABLE ", owner_,
                             ".seen AS SELECT "
                             "coalesce(current_setting('lagom.tenant_id', true), '') AS tenant")}})
          .ok());
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM ", owner_, ".seen WHERE tenant = ''")), 1);
}

// BEGIN and the settings travel with the first statement, whichever way it is sent: the second
// statement is in the same transaction (the same transaction id) and the tenant is set.
TEST_F(PostgresTest, TheFirstStatementBeginsTheTransactionWithItsSettings) {
  const std::string first = "SELECT txid_current(), current_setting('lagom.tenant_id', true)";
  const std::vector<
      std::pair<std::string, std::function<std::pair<int64_t, std::string>(PgTransaction&)>>>
      starters = {
          {"exec",
           [&](PgTransaction& tx) {
             pqxx::row r = tx.exec1(first);
             return std::make_pair(r[0].as<int64_t>(), r[1].as<std::string>());
           }},
          {"exec_params",
           [&](PgTransaction& tx) {
             pqxx::row r = tx.exec_params1(first + " WHERE $1", true);
             return std::make_pair(r[0].as<int64_t>(), r[1].as<std::string>());
           }},
          {"ExecBinary",
           [&](PgTransaction& tx) {
             PgBinaryResult r = ExecBinary(tx, first + "::text", {});
             return std::make_pair(r.Int8(0, 0), std::string(r.Text(0, 1)));
           }},
          {"PgPipeline",
           [&](PgTransaction& tx) {
             PgPipeline p(tx);
             p.Add("SELECT 1", {});
             const int i = p.Add(first + "::text", {});
             std::vector<PgBinaryResult> r = p.Run();
             EXPECT_EQ(r.size(), 2u);  // the transaction's own statements are not among them
             return std::make_pair(r[i].Int8(0, 0), std::string(r[i].Text(0, 1)));
           }},
      };
  for (const auto& [name, start] : starters) {
    SCOPED_TRACE(name);
    absl::Status s = pool_->WithTenant(tenant_, [&](PgTransaction& tx) {
      const auto [xid, tenant] = start(tx);
      EXPECT_EQ(tenant, tenant_.tenant_id);
      EXPECT_EQ(tx.exec1("SELECT txid_current()")[0].as<int64_t>(), xid);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
  }
}

TEST_F(PostgresTest, AnAddedSettingHoldsForTheRestOfTheTransactionOnly) {
  const std::string mode = "SELECT current_setting('plan_cache_mode')";
  std::unique_ptr<PgPool> one = Connect(1);  // the next transaction on the same connection
  absl::Status s = one->WithTenant(tenant_, [&](PgTransaction& tx) {
    // Before the first statement: it travels with BEGIN and the tenant's settings.
    tx.AddSetting("plan_cache_mode", "force_generic_plan");
    PgPipeline p(tx);
    p.Add(mode, {});
    p.Add("SELECT current_setting('lagom.tenant_id')", {});
    std::vector<PgBinaryResult> r = p.Run();
    EXPECT_EQ(r[0].Text(0, 0), "force_generic_plan");
    EXPECT_EQ(r[1].Text(0, 0), tenant_.tenant_id);
    // Once begun: set at once.
    tx.AddSetting("plan_cache_mode", "force_custom_plan");
    EXPECT_EQ(tx.exec1(mode)[0].as<std::string>(), "force_custom_plan");
    // Added already: nothing is sent (a second answer batch's session in one transaction).
    tx.exec("SET LOCAL plan_cache_mode = auto");
    tx.AddSetting("plan_cache_mode", "force_generic_plan");
    EXPECT_EQ(tx.exec1(mode)[0].as<std::string>(), "auto");
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  s = one->WithTenant(tenant_, [&](PgTransaction& tx) {
    EXPECT_EQ(tx.exec1(mode)[0].as<std::string>(), "auto");
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(PostgresTest, DeferredStatementsRunWithTheCommit) {
  ASSERT_TRUE(pool_->RunMigrations(owner_, Migrations()).ok());
  const std::string insert = absl::StrCat("INSERT INTO ", owner_,
                                          ".items VALUES ($1, current_setting('lagom.tenant_id'))");
  // Only deferred statements: the transaction begins with the commit, settings included.
  ASSERT_TRUE(pool_
                  ->WithTenant(tenant_,
                               [&](PgTransaction& tx) {
                                 tx.Defer({"", insert, {PgText("a")}});
                                 tx.Defer({"test_insert_item", insert, {PgText("b")}});
                                 return absl::OkStatus();
                               })
                  .ok());
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM ", owner_, ".items WHERE tenant = '",
                               tenant_.tenant_id, "'")),
            2);
  // Not run before the commit.
  ASSERT_TRUE(pool_
                  ->WithTenant(tenant_,
                               [&](PgTransaction& tx) {
                                 tx.Defer({"", insert, {PgText("c")}});
                                 EXPECT_EQ(tx.exec1(absl::StrCat("SELECT count(*) FROM ", owner_,
                                                                 ".items WHERE id = 'c'"))[0]
                                               .as<int>(),
                                           0);
                                 return absl::OkStatus();
                               })
                  .ok());
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM ", owner_, ".items")), 3);
  // Dropped when the transaction is not committed.
  EXPECT_EQ(pool_
                ->WithTenant(tenant_,
                             [&](PgTransaction& tx) {
                               tx.Defer({"", insert, {PgText("d")}});
                               return absl::AbortedError("changed my mind");
                             })
                .code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM ", owner_, ".items")), 3);
}

TEST_F(PostgresTest, AFailingDeferredStatementRollsBackEverything) {
  pool_ = Connect(1);  // the same connection serves the next transaction
  ASSERT_NE(pool_, nullptr);
  ASSERT_TRUE(pool_->RunMigrations(owner_, Migrations()).ok());
  ASSERT_TRUE(Insert("a").ok());
  const std::string insert = absl::StrCat("INSERT INTO ", owner_, ".items VALUES ($1, 't')");
  absl::Status s = pool_->WithTenant(tenant_, [&](PgTransaction& tx) {
    tx.exec_params(insert, "b");
    tx.Defer({"", insert, {PgText("a")}});  // taken
    tx.Defer({"", insert, {PgText("c")}});
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM ", owner_, ".items")), 1);
  EXPECT_TRUE(Insert("d").ok());
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM ", owner_, ".items")), 2);
}

TEST_F(PostgresTest, ErrorStatusRollsBack) {
  ASSERT_TRUE(pool_->RunMigrations(owner_, Migrations()).ok());
  absl::Status s = pool_->WithTenant(tenant_, [&](PgTransaction& tx) {
    tx.exec(absl::StrCat("INSERT INTO ", owner_, ".items VALUES ('a', 'x')"));
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM ", owner_, ".items")), 0);
}

TEST_F(PostgresTest, UniqueViolationIsAlreadyExists) {
  ASSERT_TRUE(pool_->RunMigrations(owner_, Migrations()).ok());
  ASSERT_TRUE(Insert("a").ok());
  absl::Status s = Insert("a");
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "already exists (a unique key is taken)");  // no schema details
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM ", owner_, ".items")), 1);
}

TEST_F(PostgresTest, OtherSqlErrorsAreInternalWithTheMessage) {
  absl::Status s = Exec("SELECT * FROM no_such_table");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("no_such_table"));
}

TEST_F(PostgresTest, EmptyTenantIsRefused) {
  absl::Status s = pool_->WithTenant({}, [](PgTransaction&) { return absl::OkStatus(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PostgresTest, BrokenConnectionIsUnavailableAndReplaced) {
  pool_ = Connect(1);
  ASSERT_NE(pool_, nullptr);
  absl::Status s = Exec("SELECT pg_terminate_backend(pg_backend_pid())");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Count("SELECT 1"), 1);
}

TEST_F(PostgresTest, ExhaustedPoolGivesUpAtTheDeadline) {
  pool_ = Connect(1);
  ASSERT_NE(pool_, nullptr);
  absl::Notification holding, release;
  std::thread holder([&] {
    EXPECT_TRUE(pool_
                    ->WithTenant(tenant_,
                                 [&](PgTransaction&) {
                                   holding.Notify();
                                   release.WaitForNotification();
                                   return absl::OkStatus();
                                 })
                    .ok());
  });
  holding.WaitForNotification();
  RequestContext hurried = tenant_;
  hurried.deadline = absl::Now() + absl::Milliseconds(200);
  absl::Status s = pool_->WithTenant(hurried, [](PgTransaction&) { return absl::OkStatus(); });
  release.Notify();
  holder.join();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("no PostgreSQL connection free"));
}

TEST(PostgresUnreachableTest, IsUnavailable) {
  absl::StatusOr<std::unique_ptr<PgPool>> pool =
      PgPool::Connect("postgresql://postgres@127.0.0.1:1/postgres", 2, absl::Seconds(2));
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(pool.status().message(), HasSubstr("PostgreSQL unreachable"));
}

}  // namespace
}  // namespace lagom
