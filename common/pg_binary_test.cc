#include "common/pg_binary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "common/postgres.h"
#include "common/testing/integration.h"

namespace lagom {
namespace {

using ::testing::HasSubstr;

class PgBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<PgPool>> pool =
        PgPool::Connect(testing::TestPostgresUrl(), 1, absl::Seconds(5));
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
  }

  // Runs `body` in a transaction of the tenant; the transaction's status.
  absl::Status InTransaction(const std::function<void(PgTransaction&)>& body) {
    return pool_->WithTenant(tenant_, [&](PgTransaction& tx) {
      body(tx);
      return absl::OkStatus();
    });
  }

  RequestContext tenant_{.tenant_id = testing::UniqueTenantId()};
  std::unique_ptr<PgPool> pool_;
};

TEST_F(PgBinaryTest, ReadsEveryColumnTypeAsStored) {
  // Bytes text would mangle: NUL, a byte that is no UTF-8, a backslash escape, quotes.
  const std::string bytes("\x00\x01\xff\\xA'\"", 8);
  absl::Status s = InTransaction([&](PgTransaction& tx) {
    PgBinaryResult rows = ExecBinary(
        tx,
        "SELECT t, b, i4, i8, flag FROM (VALUES ($1::text, $2::bytea, $3::int, $4::bigint, true),"
        " ('', ''::bytea, -1, -9223372036854775808, false),"
        " (NULL, NULL, NULL, NULL, NULL)) AS v(t, b, i4, i8, flag)",
        {PgText("näme"), PgText("\\x0001ff5c78412722"), PgText(2147483647),
         PgText(std::numeric_limits<int64_t>::max())});
    EXPECT_EQ(rows.size(), 3);
    EXPECT_EQ(rows.Text(0, 0), "näme");
    EXPECT_EQ(rows.Text(0, 1), bytes);
    EXPECT_EQ(rows.Int4(0, 2), 2147483647);
    EXPECT_EQ(rows.Int8(0, 3), std::numeric_limits<int64_t>::max());
    EXPECT_TRUE(rows.Bool(0, 4));
    EXPECT_EQ(rows.Text(1, 0), "");
    EXPECT_EQ(rows.Text(1, 1), "");
    EXPECT_EQ(rows.Int4(1, 2), -1);
    EXPECT_EQ(rows.Int8(1, 3), std::numeric_limits<int64_t>::min());
    EXPECT_FALSE(rows.Bool(1, 4));
    for (int col = 0; col < 5; ++col) {
      EXPECT_FALSE(rows.IsNull(0, col));
      EXPECT_TRUE(rows.IsNull(2, col));
    }
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(PgBinaryTest, NullParametersAreNull) {
  absl::Status s = InTransaction([&](PgTransaction& tx) {
    PgBinaryResult rows = ExecBinary(tx, "SELECT $1::text IS NULL, $2::int IS NULL",
                                     {PgText(std::optional<std::string>()), PgText(3)});
    EXPECT_TRUE(rows.Bool(0, 0));
    EXPECT_FALSE(rows.Bool(0, 1));
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(PgBinaryTest, RunsInsideTheTransaction) {
  absl::Status s = InTransaction([&](PgTransaction& tx) {
    tx.exec("CREATE TEMP TABLE seen (n int) ON COMMIT DROP; INSERT INTO seen VALUES (7)");
    PgBinaryResult rows =
        ExecBinary(tx, "SELECT n, current_setting('lagom.tenant_id') FROM seen", {});
    EXPECT_EQ(rows.Int4(0, 0), 7);
    EXPECT_EQ(rows.Text(0, 1), tenant_.tenant_id);
    // pqxx goes on in the same transaction afterwards.
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM seen")[0].as<int>(), 1);
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(PgBinaryTest, SqlErrorsMapAsForAnyStatement) {
  absl::Status s =
      InTransaction([&](PgTransaction& tx) { ExecBinary(tx, "SELECT * FROM no_such_table", {}); });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("no_such_table"));

  s = InTransaction([&](PgTransaction& tx) {
    tx.exec("SET LOCAL statement_timeout = 10");
    ExecBinary(tx, "SELECT pg_sleep(1)", {});
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);

  // The connection is usable again: the failed transactions were rolled back.
  s = InTransaction(
      [&](PgTransaction& tx) { EXPECT_EQ(ExecBinary(tx, "SELECT 1::int", {}).Int4(0, 0), 1); });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(PgBinaryTest, BrokenConnectionIsUnavailable) {
  absl::Status s = InTransaction([&](PgTransaction& tx) {
    ExecBinary(tx, "SELECT pg_terminate_backend(pg_backend_pid())", {});
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
}

TEST_F(PgBinaryTest, PipelineRunsEveryStatementInOrderInTheTransaction) {
  absl::Status s = InTransaction([&](PgTransaction& tx) {
    tx.exec("CREATE TEMP TABLE seen (n int) ON COMMIT DROP");
    PgPipeline p(tx);
    const int insert =
        p.Add("INSERT INTO seen VALUES ($1::int), ($2::int)", {PgText(3), PgText(4)});
    const int count =
        p.Add("SELECT count(*)::int, current_setting('lagom.tenant_id') FROM seen", {});
    const int rows = p.Add("INSERT INTO seen VALUES ($1::int) RETURNING n", {PgText(5)});
    std::vector<PgBinaryResult> results = p.Run();
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[insert].size(), 0);
    EXPECT_EQ(results[count].Int4(0, 0), 2);  // the insert before it is seen
    EXPECT_EQ(results[count].Text(0, 1), tenant_.tenant_id);
    EXPECT_EQ(results[rows].Int4(0, 0), 5);
    // The connection is out of pipeline mode: pqxx goes on in the same transaction.
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM seen")[0].as<int>(), 3);
    // A pipeline can run again.
    p.Add("SELECT $1::int", {PgText(9)});
    EXPECT_EQ(p.Run()[0].Int4(0, 0), 9);
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(PgBinaryTest, PipelineFailureNamesTheStatementAndRollsBack) {
  absl::Status s = InTransaction([&](PgTransaction& tx) {
    tx.exec("CREATE TEMP TABLE seen (n int)");
    PgPipeline p(tx);
    p.Add("INSERT INTO seen VALUES (1)", {});
    p.Add("SELECT * FROM no_such_table", {});
    p.Add("INSERT INTO seen VALUES (2)", {});
    p.Run();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("no_such_table"));

  s = InTransaction([&](PgTransaction& tx) {
    tx.exec("SET LOCAL statement_timeout = 10");
    PgPipeline p(tx);
    p.Add("SELECT 1::int", {});
    p.Add("SELECT pg_sleep(1)", {});
    p.Run();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);

  // Nothing of the failed pipeline stayed, and the connection is usable.
  s = InTransaction([&](PgTransaction& tx) {
    EXPECT_EQ(ExecBinary(tx, "SELECT to_regclass('pg_temp.seen') IS NULL", {}).Bool(0, 0), true);
    PgPipeline p(tx);
    p.Add("SELECT 1::int", {});
    EXPECT_EQ(p.Run()[0].Int4(0, 0), 1);
  });
  EXPECT_TRUE(s.ok()) << s;
}

}  // namespace
}  // namespace lagom
