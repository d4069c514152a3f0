// The journal baseline on the real PostgreSQL tools/test starts: what it answers OK is in the
// table, and what it could not write is not answered OK.
#include "tools/loadgen/servers.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/byte_service.h"
#include "common/testing/integration.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lagom::loadgen {
namespace {

using ::testing::HasSubstr;

// One statement on its own connection; the first value of the first row ("" for none).
std::string Query(const std::string& sql) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(
      PQconnectdb(lagom::testing::TestPostgresUrl().c_str()), PQfinish);
  EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(conn.get(), sql.c_str()), PQclear);
  EXPECT_TRUE(PQresultStatus(r.get()) == PGRES_TUPLES_OK ||
              PQresultStatus(r.get()) == PGRES_COMMAND_OK)
      << sql << ": " << PQresultErrorMessage(r.get());
  return PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
}

grpc::Status Call(grpc::Channel* channel, const std::string& body, std::string* reply) {
  grpc::ClientContext ctx;
  return lagom::testing::CallUnary(channel, kJournalMethod, &ctx, body, reply);
}

TEST(JournalServerTest, EveryCallAnsweredIsInTheJournalWithItsBytes) {
  const std::string schema = lagom::testing::UniqueSchemaName("journal");
  auto journal = JournalServer::Start(lagom::testing::TestPostgresUrl(), schema);
  ASSERT_TRUE(journal.ok()) << journal.status();
  auto channel = grpc::CreateChannel((*journal)->address(), grpc::InsecureChannelCredentials());
  // Eight callers at once, so calls share transactions.
  std::vector<std::thread> callers;
  std::vector<int> ok(8, 0);
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string body = absl::StrCat("call ", t, "/", i, std::string(1, '\0'), "\xff");
        std::string reply;
        grpc::Status s = Call(channel.get(), body, &reply);
        EXPECT_TRUE(s.ok()) << s.error_message();
        EXPECT_EQ(reply, body);
        if (s.ok() && reply == body) ++ok[t];
      }
    });
  }
  for (std::thread& t : callers) t.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(ok[t], 25) << "caller " << t;
  EXPECT_EQ((*journal)->CountRows().value_or(-1), 200);
  EXPECT_GE((*journal)->batches(), 1);
  EXPECT_LE((*journal)->batches(), 200);
  // The bytes as sent, NUL and 0xff included.
  EXPECT_EQ(Query(absl::StrCat("SELECT count(*) FROM ", schema,
                               ".journal WHERE body = '\\x63616c6c20332f3132'::bytea"
                               " || '\\x00ff'::bytea")),
            "1");
}

TEST(JournalServerTest, ACallItCouldNotWriteIsNotAnsweredOk) {
  const std::string schema = lagom::testing::UniqueSchemaName("journal");
  auto journal = JournalServer::Start(lagom::testing::TestPostgresUrl(), schema);
  ASSERT_TRUE(journal.ok()) << journal.status();
  auto channel = grpc::CreateChannel((*journal)->address(), grpc::InsecureChannelCredentials());
  std::string reply;
  ASSERT_TRUE(Call(channel.get(), "first", &reply).ok());
  Query(absl::StrCat("DROP TABLE ", schema, ".journal"));
  grpc::Status s = Call(channel.get(), "second", &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(), HasSubstr("journal"));
  EXPECT_EQ((*journal)->batches(), 1);
  // And the writer carries on once it can write again.
  Query(absl::StrCat("CREATE TABLE ", schema,
                     ".journal (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body bytea)"));
  s = Call(channel.get(), "third", &reply);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ((*journal)->CountRows().value_or(-1), 1);
}

TEST(JournalServerTest, StoppingDropsItsSchema) {
  const std::string schema = lagom::testing::UniqueSchemaName("journal");
  {
    auto journal = JournalServer::Start(lagom::testing::TestPostgresUrl(), schema);
    ASSERT_TRUE(journal.ok()) << journal.status();
    EXPECT_EQ(
        Query(absl::StrCat("SELECT count(*) FROM pg_namespace WHERE nspname = '", schema, "'")),
        "1");
  }
  EXPECT_EQ(Query(absl::StrCat("SELECT count(*) FROM pg_namespace WHERE nspname = '", schema, "'")),
            "0");
}

TEST(JournalServerTest, AnUnreachableDatabaseIsNamed) {
  auto journal = JournalServer::Start("postgresql://nobody@127.0.0.1:1/none", "journal_x");
  EXPECT_EQ(journal.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(journal.status().message(), HasSubstr("cannot connect to PostgreSQL"));
}

}  // namespace
}  // namespace lagom::loadgen
