// Retention on each service's own migrations, as the services' role (row-level security on):
// the sweep deletes every tenant's expired kept replies and delivered events, and nothing
// else; the operator never sees a kept reply younger than an hour, whatever it is told.
#include "common/retention.h"

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/postgres.h"
#include "common/testing/scratch_database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "questionnaire_migrations.h"
#include "reporting_migrations.h"
#include "session_migrations.h"

namespace lagom {
namespace {

using ::testing::ElementsAre;

struct Service {
  std::string schema;
  const std::vector<Migration>& (*migrations)();
  std::string outbox_consumer;  // empty: no outbox
  std::string outbox_subject;   // the outbox's subject column
};

class RetentionTest : public ::testing::TestWithParam<Service> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::ScratchDatabase>(absl::StrCat("retention_", S().schema));
    auto owner = PgPool::Connect(db_->owner_url(), 1, absl::Seconds(5));
    ASSERT_TRUE(owner.ok()) << owner.status();
    ASSERT_TRUE((*owner)->RunMigrations(S().schema, S().migrations()).ok());
    auto app = PgPool::Connect(db_->app_url(), 2, absl::Seconds(5));
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = *std::move(app);
  }

  const Service& S() const { return GetParam(); }

  // As the owner (no row-level security): a kept reply of `tenant` made `age` ago.
  void KeepReply(const std::string& tenant, const std::string& request_id, const std::string& age) {
    Admin(absl::StrCat("INSERT INTO ", S().schema,
                       ".idempotent_requests (tenant_id, request_id, method, request, reply,"
                       " create_time) VALUES ('",
                       tenant, "', '", request_id, "', 'M', '', '', now() - interval '", age,
                       "')"));
  }

  // An outbox event created a month ago and delivered `delivered_ago` ago (empty: never).
  void Event(const std::string& tenant, const std::string& subject,
             const std::string& delivered_ago) {
    Admin(absl::StrCat(
        "INSERT INTO ", S().schema, ".outbox (tenant_id, consumer, topic, ", S().outbox_subject,
        ", payload, create_time, deliver_time) VALUES ('", tenant, "', '", S().outbox_consumer,
        "', 't', '", subject, "', '', now() - interval '30 days', ",
        delivered_ago.empty() ? std::string("NULL")
                              : absl::StrCat("now() - interval '", delivered_ago, "'"),
        ")"));
  }

  // As the test server's superuser, past row-level security.
  void Admin(const std::string& sql) {
    pqxx::connection conn(db_->admin_url());
    pqxx::nontransaction tx(conn);
    tx.exec(sql);
  }

  // What is left, every tenant's: "tenant/key" in order.
  std::vector<std::string> Left(const std::string& table, const std::string& key) {
    pqxx::connection conn(db_->admin_url());
    pqxx::nontransaction tx(conn);
    std::vector<std::string> out;
    for (const pqxx::row& row : tx.exec(absl::StrCat("SELECT tenant_id || '/' || ", key, " FROM ",
                                                     S().schema, ".", table, " ORDER BY 1"))) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  }

  std::unique_ptr<testing::ScratchDatabase> db_;
  std::unique_ptr<PgPool> app_;
};

TEST_P(RetentionTest, ExpiredKeptRepliesOfEveryTenantGoAndTheRestStay) {
  for (const std::string tenant : {"t-a", "t-b"}) {
    KeepReply(tenant, "old-1", "2 days");
    KeepReply(tenant, "old-2", "25 hours");
    KeepReply(tenant, "recent", "23 hours");
    KeepReply(tenant, "fresh", "1 second");
  }
  RetentionOptions options;
  options.chunk = 3;  // several chunks
  RetentionSweeper sweeper(
      *app_, RetentionRules(S().schema, false, absl::Hours(24), absl::Hours(24 * 7)), options);
  absl::StatusOr<std::vector<int64_t>> deleted = sweeper.SweepOnce();
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_THAT(*deleted, ElementsAre(4));
  EXPECT_THAT(Left("idempotent_requests", "request_id"),
              ElementsAre("t-a/fresh", "t-a/recent", "t-b/fresh", "t-b/recent"));
  // Nothing more to do.
  deleted = sweeper.SweepOnce();
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_THAT(*deleted, ElementsAre(0));
}

TEST_P(RetentionTest, TheOperatorNeverReachesAKeptReplyYoungerThanAnHour) {
  KeepReply("t-a", "two-hours", "2 hours");
  KeepReply("t-a", "half-hour", "30 minutes");
  // Told to keep only a minute (below what the flags allow): the policy still keeps the hour.
  RetentionSweeper sweeper(
      *app_, RetentionRules(S().schema, false, absl::Minutes(1), absl::Hours(24 * 7)));
  absl::StatusOr<std::vector<int64_t>> deleted = sweeper.SweepOnce();
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_THAT(*deleted, ElementsAre(1));
  EXPECT_THAT(Left("idempotent_requests", "request_id"), ElementsAre("t-a/half-hour"));
  // Nor can it read one, or delete it directly.
  absl::Status s = app_->WithOperator([&](PgTransaction& tx) {
    EXPECT_EQ(
        tx.exec(absl::StrCat("SELECT count(*) FROM ", S().schema, ".idempotent_requests"))[0][0]
            .as<int>(),
        0);
    EXPECT_EQ(
        tx.exec(absl::StrCat("DELETE FROM ", S().schema, ".idempotent_requests")).affected_rows(),
        0);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_THAT(Left("idempotent_requests", "request_id"), ElementsAre("t-a/half-hour"));
}

// Services with an outbox.
class OutboxRetentionTest : public RetentionTest {};

TEST_P(OutboxRetentionTest, DeliveredEventsGoAfterTheirRetentionAndUndeliveredOnesStay) {
  for (const std::string tenant : {"t-a", "t-b"}) {
    Event(tenant, "delivered-long-ago", "8 days");
    Event(tenant, "delivered-lately", "6 days");
    Event(tenant, "undelivered", "");
  }
  RetentionSweeper sweeper(*app_,
                           RetentionRules(S().schema, true, absl::Hours(24), absl::Hours(24 * 7)));
  absl::StatusOr<std::vector<int64_t>> deleted = sweeper.SweepOnce();
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_THAT(*deleted, ElementsAre(0, 2));
  EXPECT_THAT(Left("outbox", S().outbox_subject),
              ElementsAre("t-a/delivered-lately", "t-a/undelivered", "t-b/delivered-lately",
                          "t-b/undelivered"));
}

TEST_P(RetentionTest, AFailedSweepNamesTheTable) {
  Admin(absl::StrCat("REVOKE DELETE ON ", S().schema, ".idempotent_requests FROM lagom_app"));
  KeepReply("t-a", "old", "2 days");
  RetentionSweeper sweeper(*app_,
                           RetentionRules(S().schema, false, absl::Hours(24), absl::Hours(24 * 7)));
  absl::StatusOr<std::vector<int64_t>> deleted = sweeper.SweepOnce();
  EXPECT_FALSE(deleted.ok());
  EXPECT_THAT(
      deleted.status().message(),
      ::testing::HasSubstr(absl::StrCat("retention of ", S().schema, ".idempotent_requests")));
}

const Service kSession{"session", &session::Migrations, "scoring", "session_id"};
const Service kReporting{"reporting", &reporting::Migrations, "webhooks", "scorecard_id"};
const Service kQuestionnaire{"questionnaire", &questionnaire::Migrations, "", ""};
std::string SchemaOf(const ::testing::TestParamInfo<Service>& info) { return info.param.schema; }

INSTANTIATE_TEST_SUITE_P(Services, RetentionTest,
                         ::testing::Values(kSession, kReporting, kQuestionnaire), SchemaOf);
INSTANTIATE_TEST_SUITE_P(Services, OutboxRetentionTest, ::testing::Values(kSession, kReporting),
                         SchemaOf);

}  // namespace
}  // namespace lagom
