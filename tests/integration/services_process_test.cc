// Every service binary as an operator runs it: it starts on real PostgreSQL and Redis, reports
// SERVING, lists its API through reflection, refuses calls without credentials, says plainly
// what is not built yet, drains on SIGTERM and exits 0; bad configuration ends it within
// seconds with one line that says what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <pqxx/pqxx>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/postgres.h"
#include "common/status.h"
#include "common/testing/byte_service.h"
#include "common/testing/integration.h"
#include "common/testing/scratch_database.h"
#include "tests/integration/lagom_processes.h"
#include "tools/lagomctl/probe.h"

namespace lagom::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

struct ServiceUnderTest {
  ServiceBinary service;
  std::vector<std::string> grpc_services;
  std::string later_method;  // an RPC a later release fills in, or one that refuses ""
  // What an admitted caller gets for an empty request to later_method.
  grpc::StatusCode admitted_code = grpc::StatusCode::UNIMPLEMENTED;
  std::string admitted_reason = "NOT_IMPLEMENTED_YET";
  std::string admitted_message = "not implemented yet";
};

std::vector<ServiceUnderTest> AllServices() {
  return {
      {Questionnaire(),
       {"lagom.questionnaire.v1.QuestionnaireService", "lagom.catalog.v1.CatalogService",
        "lagom.tenancy.v1.TenantService", "lagom.auth.v1.AuthService"},
       "/lagom.catalog.v1.CatalogService/ImportCatalog",
       grpc::StatusCode::INVALID_ARGUMENT,
       "FIELD_INVALID",
       "parent"},
      {Session(),
       {"lagom.session.v1.SessionService"},
       "/lagom.session.v1.SessionService/CreateSession",
       grpc::StatusCode::INVALID_ARGUMENT,
       "FIELD_INVALID",
       "parent"},
      {Scoring(),
       {"lagom.scoring.v1.ScoringService"},
       "/lagom.scoring.v1.ScoringService/ScoreSession",
       grpc::StatusCode::INVALID_ARGUMENT,
       "FIELD_INVALID",
       "session"},
      {Reporting(),
       {"lagom.reporting.v1.ReportingService"},
       "/lagom.reporting.v1.ReportingService/RenderReport",
       grpc::StatusCode::INVALID_ARGUMENT,
       "FIELD_INVALID",
       "scorecard"},
  };
}

// What the process wrote to stderr for people: its non-empty lines other than structured
// (JSON) log records such as "postgres ready".
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    if (!absl::StartsWith(line, "{")) lines.emplace_back(line);
  }
  return lines;
}

// Whether `line` is a record of gRPC's own logger, not written by Lagom: a severity letter,
// the date and time, the thread and the source line, as in
// "E1124 14:39:00.123456789    4711 chttp2_server.cc:1050] UNKNOWN:No address added ...".
bool IsGrpcLogRecord(absl::string_view line) {
  return line.size() > 6 &&
         (line[0] == 'E' || line[0] == 'W' || line[0] == 'I' || line[0] == 'D') &&
         absl::ascii_isdigit(line[1]) && absl::ascii_isdigit(line[2]) &&
         absl::ascii_isdigit(line[3]) && absl::ascii_isdigit(line[4]) && line[5] == ' ' &&
         absl::StrContains(line, "] ");
}

// One questionnaire service for the whole suite: the others verify API keys through it.
class ServiceProcessTest : public ::testing::TestWithParam<ServiceUnderTest> {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<RunningService> q = StartService(Questionnaire(), "");
    ASSERT_TRUE(q.ok()) << q.status();
    questionnaire_ = new RunningService(*std::move(q));
    absl::StatusOr<std::string> key =
        CreateTenant(*questionnaire_->channel, UniqueTenantId("proc"));
    ASSERT_TRUE(key.ok()) << key.status();
    admin_key_ = new std::string(*key);
  }
  static void TearDownTestSuite() {
    delete questionnaire_;
    delete admin_key_;
  }

  static RunningService* questionnaire_;
  static std::string* admin_key_;
};

RunningService* ServiceProcessTest::questionnaire_ = nullptr;
std::string* ServiceProcessTest::admin_key_ = nullptr;

TEST_P(ServiceProcessTest, ServesRefusesStrangersAndDrainsOnSigterm) {
  const ServiceUnderTest& s = GetParam();
  absl::StatusOr<RunningService> running = StartService(s.service, questionnaire_->address);
  ASSERT_TRUE(running.ok()) << running.status();

  absl::StatusOr<std::vector<std::string>> listed =
      ctl::ListServices(running->address, absl::Seconds(5));
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(*listed, Contains("grpc.health.v1.Health"));
  for (const std::string& name : s.grpc_services) EXPECT_THAT(*listed, Contains(name));

  std::string reply;
  grpc::ClientContext anonymous;
  grpc::Status refused = CallUnary(running->channel.get(), s.later_method, &anonymous, "", &reply);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(refused), "UNAUTHENTICATED");

  grpc::ClientContext admin;
  Authorize(admin, *admin_key_);
  grpc::Status later = CallUnary(running->channel.get(), s.later_method, &admin, "", &reply);
  EXPECT_EQ(later.error_code(), s.admitted_code) << later.error_message();
  EXPECT_EQ(ReasonOf(later), s.admitted_reason);
  EXPECT_THAT(later.error_message(), HasSubstr(s.admitted_message));

  running->process->Signal(SIGTERM);
  std::optional<int> exit_code = running->process->WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(exit_code.has_value()) << "did not exit after SIGTERM";
  EXPECT_EQ(*exit_code, 0) << running->process->Stderr();
}

// Starts `s` with extra flags that should stop it; returns its exit code and stderr.
std::pair<std::optional<int>, std::string> RunExpectingExit(const ServiceUnderTest& s,
                                                            std::vector<std::string> args) {
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(s.service.binary, args, ScratchDir());
  if (!child.ok()) return {std::nullopt, std::string(child.status().message())};
  std::optional<int> exit_code = child->WaitForExit(absl::Seconds(10));
  return {exit_code, child->Stderr()};
}

TEST_P(ServiceProcessTest, MalformedFlagExitsWithOneLine) {
  std::vector<std::string> args = ServiceArgs(GetParam().service, questionnaire_->address);
  args.push_back("--drain_deadline=soon");
  auto [exit_code, stderr_text] = RunExpectingExit(GetParam(), args);
  ASSERT_TRUE(exit_code.has_value()) << "hung on a malformed flag";
  EXPECT_NE(*exit_code, 0);
  EXPECT_THAT(Lines(stderr_text), SizeIs(1)) << stderr_text;
  EXPECT_THAT(stderr_text, HasSubstr("drain_deadline"));
}

TEST_P(ServiceProcessTest, MissingServiceTokenExitsWithOneLine) {
  std::vector<std::string> args = ServiceArgs(GetParam().service, questionnaire_->address);
  args.push_back("--service_token_file=" + ScratchDir() + "/no-such-token");
  auto [exit_code, stderr_text] = RunExpectingExit(GetParam(), args);
  ASSERT_TRUE(exit_code.has_value()) << "hung on a missing secret";
  EXPECT_EQ(*exit_code, 1);
  EXPECT_THAT(Lines(stderr_text), SizeIs(1)) << stderr_text;
  EXPECT_THAT(stderr_text, HasSubstr("no-such-token"));
}

TEST_P(ServiceProcessTest, PortInUseExitsWithOneLine) {
  const ServiceUnderTest& s = GetParam();
  absl::StatusOr<RunningService> first = StartService(s.service, questionnaire_->address);
  ASSERT_TRUE(first.ok()) << first.status();
  std::vector<std::string> args = ServiceArgs(s.service, questionnaire_->address);
  args.push_back("--listen=" + first->address);
  auto [exit_code, stderr_text] = RunExpectingExit(s, args);
  ASSERT_TRUE(exit_code.has_value()) << "hung on a port in use";
  EXPECT_NE(*exit_code, 0);
  // gRPC logs the failed bind itself; of the process's own lines there is one.
  std::vector<std::string> own;
  for (const std::string& line : Lines(stderr_text)) {
    if (!IsGrpcLogRecord(line)) own.push_back(line);
  }
  EXPECT_THAT(own, ElementsAre(HasSubstr("cannot listen on " + first->address))) << stderr_text;
}

INSTANTIATE_TEST_SUITE_P(AllServices, ServiceProcessTest, ::testing::ValuesIn(AllServices()),
                         [](const auto& info) { return info.param.service.name; });

// Every service with PostgreSQL, started with `flag` added, exits 1 within seconds with one
// line for people that contains `says`.
void ExpectEveryPostgresServiceRefuses(const std::string& flag, const std::string& says) {
  for (const ServiceUnderTest& s : AllServices()) {
    if (!s.service.postgres) continue;
    std::vector<std::string> args = ServiceArgs(s.service, "127.0.0.1:1");
    args.push_back(flag);
    auto [exit_code, stderr_text] = RunExpectingExit(s, args);
    ASSERT_TRUE(exit_code.has_value()) << s.service.name << " hung with " << flag;
    EXPECT_EQ(*exit_code, 1) << s.service.name;
    EXPECT_THAT(Lines(stderr_text), SizeIs(1)) << s.service.name << ": " << stderr_text;
    EXPECT_THAT(stderr_text, HasSubstr(says)) << s.service.name;
  }
}

TEST(StoreConfigTest, UnreachablePostgresExitsWithinSecondsWithOneLine) {
  ExpectEveryPostgresServiceRefuses("--postgres_url=postgresql://lagom@127.0.0.1:1/lagom",
                                    "127.0.0.1");
}

TEST(StoreConfigTest, KeptRepliesForLessThanAnHourExitsWithOneLine) {
  ExpectEveryPostgresServiceRefuses("--kept_reply_retention=10m",
                                    "--kept_reply_retention=10m: must be at least 1h");
}

TEST(StoreConfigTest, UnreachableRedisExitsWithinSecondsWithOneLine) {
  ServiceUnderTest session = AllServices()[1];
  std::vector<std::string> args = ServiceArgs(session.service, "127.0.0.1:1");
  args.push_back("--redis_addr=127.0.0.1:1");
  auto [exit_code, stderr_text] = RunExpectingExit(session, args);
  ASSERT_TRUE(exit_code.has_value()) << "hung on unreachable Redis";
  EXPECT_EQ(*exit_code, 1);
  EXPECT_THAT(Lines(stderr_text), SizeIs(1)) << stderr_text;
  EXPECT_THAT(stderr_text, HasSubstr("redis"));
}

TEST(StoreConfigTest, ABadRedisShardListExitsWithOneLineNamingIt) {
  ServiceUnderTest session = AllServices()[1];
  for (const auto& [list, named] : std::vector<std::pair<std::string, std::string>>{
           {TestRedisAddress() + "," + TestRedisAddress(), "is listed twice"},
           {TestRedisAddress() + ",", "an empty shard address"},
           {TestRedisAddress() + ",127.0.0.1:1", "127.0.0.1:1"}}) {
    std::vector<std::string> args = ServiceArgs(session.service, "127.0.0.1:1");
    args.push_back("--redis_addr=" + list);
    auto [exit_code, stderr_text] = RunExpectingExit(session, args);
    ASSERT_TRUE(exit_code.has_value()) << list << ": hung";
    EXPECT_EQ(*exit_code, 1) << list;
    EXPECT_THAT(Lines(stderr_text), SizeIs(1)) << list << ": " << stderr_text;
    EXPECT_THAT(stderr_text, HasSubstr(named)) << list;
  }
}

// The deployment's migrations job: each service applies its migrations to an empty database
// as the schema owner and exits 0 without serving (session before it even needs Redis).
TEST(StoreConfigTest, MigrateOnlyAppliesTheMigrationsAndExits) {
  ScratchDatabase db("migrate_only");
  for (const ServiceUnderTest& s : AllServices()) {
    if (!s.service.postgres) continue;
    std::vector<std::string> args = ServiceArgs(s.service, "127.0.0.1:1");
    args.push_back("--postgres_url=" + db.app_url());
    args.push_back("--postgres_migrations_url=" + db.owner_url());
    if (s.service.name == "session") args.push_back("--redis_addr=127.0.0.1:1");
    args.push_back("--migrate_only");
    auto [exit_code, stderr_text] = RunExpectingExit(s, args);
    ASSERT_TRUE(exit_code.has_value()) << s.service.name << " kept running with --migrate_only";
    EXPECT_EQ(*exit_code, 0) << s.service.name << ": " << stderr_text;
    EXPECT_THAT(stderr_text, HasSubstr("migrations applied")) << s.service.name;
  }
  absl::StatusOr<std::unique_ptr<PgPool>> pg = PgPool::Connect(db.owner_url(), 1, absl::Seconds(5));
  ASSERT_TRUE(pg.ok()) << pg.status();
  std::set<std::string> owners;
  ASSERT_TRUE((*pg)
                  ->WithOperator([&](PgTransaction& tx) {
                    for (const pqxx::row& row :
                         tx.exec("SELECT DISTINCT owner FROM public.lagom_schema_migrations")) {
                      owners.insert(row[0].as<std::string>());
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(owners, (std::set<std::string>{"questionnaire", "session", "reporting"}));
}

}  // namespace
}  // namespace lagom::testing
