// Every service binary as an operator runs it: it starts on real PostgreSQL and Redis, reports
// SERVING, lists its API through reflection, refuses calls without a tenant, says plainly what
// is not built yet, drains on SIGTERM and exits 0; bad configuration ends it within seconds
// with one line that says what is wrong.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/request_context.h"
#include "common/status.h"
#include "common/testing/byte_service.h"
#include "common/testing/integration.h"
#include "tests/integration/child_process.h"
#include "tools/lagomctl/probe.h"

namespace lagom::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::SizeIs;

struct ServiceUnderTest {
  std::string name;
  std::string binary;
  std::vector<std::string> grpc_services;
  std::string later_method;  // an RPC a later release fills in
  bool postgres = false;
  bool redis = false;
};

std::vector<ServiceUnderTest> AllServices() {
  return {
      {"questionnaire",
       LAGOM_QUESTIONNAIRE_BIN,
       {"lagom.questionnaire.v1.QuestionnaireService", "lagom.catalog.v1.CatalogService",
        "lagom.tenancy.v1.TenantService"},
       "/lagom.questionnaire.v1.QuestionnaireService/GetModelVersion",
       true,
       false},
      {"session",
       LAGOM_SESSION_BIN,
       {"lagom.session.v1.SessionService"},
       "/lagom.session.v1.SessionService/SubmitAnswer",
       true,
       true},
      {"scoring",
       LAGOM_SCORING_BIN,
       {"lagom.scoring.v1.ScoringService"},
       "/lagom.scoring.v1.ScoringService/ScoreSession",
       false,
       false},
      {"reporting",
       LAGOM_REPORTING_BIN,
       {"lagom.reporting.v1.ReportingService"},
       "/lagom.reporting.v1.ReportingService/RenderReport",
       true,
       false},
  };
}

std::string ScratchDir() {
  const char* dir = getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::vector<std::string> GoodArgs(const ServiceUnderTest& s) {
  std::vector<std::string> args = {"--listen=127.0.0.1:0", "--drain_deadline=5s"};
  if (s.postgres) args.push_back("--postgres_url=" + TestPostgresUrl());
  if (s.redis) args.push_back("--redis_addr=" + TestRedisAddress());
  return args;
}

// The non-empty lines of what the process wrote to stderr.
std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipWhitespace());
}

class ServiceProcessTest : public ::testing::TestWithParam<ServiceUnderTest> {};

TEST_P(ServiceProcessTest, ServesChecksTenantsAndDrainsOnSigterm) {
  const ServiceUnderTest& s = GetParam();
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(s.binary, GoodArgs(s), ScratchDir());
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<std::string> address = child->WaitForAddress(absl::Seconds(20));
  ASSERT_TRUE(address.ok()) << address.status();
  ASSERT_TRUE(lagom::ctl::WaitForServing(*address, absl::Seconds(10)).ok());

  absl::StatusOr<std::vector<std::string>> listed =
      lagom::ctl::ListServices(*address, absl::Seconds(5));
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(*listed, Contains("grpc.health.v1.Health"));
  for (const std::string& name : s.grpc_services) EXPECT_THAT(*listed, Contains(name));

  auto channel = grpc::CreateChannel(*address, grpc::InsecureChannelCredentials());
  std::string reply;
  grpc::ClientContext anonymous;
  grpc::Status refused = CallUnary(channel.get(), s.later_method, &anonymous, "", &reply);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(refused), "TENANT_MISSING");

  grpc::ClientContext tenant;
  tenant.AddMetadata(kTenantMetadataKey, "acme");
  grpc::Status later = CallUnary(channel.get(), s.later_method, &tenant, "", &reply);
  EXPECT_EQ(later.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(ReasonOf(later), "NOT_IMPLEMENTED_YET");
  EXPECT_THAT(later.error_message(), HasSubstr("not implemented yet"));

  child->Signal(SIGTERM);
  std::optional<int> exit_code = child->WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(exit_code.has_value()) << "did not exit after SIGTERM";
  EXPECT_EQ(*exit_code, 0) << child->Stderr();
}

TEST_P(ServiceProcessTest, MalformedFlagExitsWithOneLine) {
  const ServiceUnderTest& s = GetParam();
  std::vector<std::string> args = GoodArgs(s);
  args.push_back("--drain_deadline=soon");
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(s.binary, args, ScratchDir());
  ASSERT_TRUE(child.ok()) << child.status();
  std::optional<int> exit_code = child->WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit_code.has_value()) << "hung on a malformed flag";
  EXPECT_NE(*exit_code, 0);
  EXPECT_THAT(Lines(child->Stderr()), SizeIs(1)) << child->Stderr();
  EXPECT_THAT(child->Stderr(), HasSubstr("drain_deadline"));
}

TEST_P(ServiceProcessTest, PortInUseExitsWithOneLine) {
  const ServiceUnderTest& s = GetParam();
  absl::StatusOr<ChildProcess> first = ChildProcess::Start(s.binary, GoodArgs(s), ScratchDir());
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::string> address = first->WaitForAddress(absl::Seconds(20));
  ASSERT_TRUE(address.ok()) << address.status();

  std::vector<std::string> args = GoodArgs(s);
  args.push_back("--listen=" + *address);
  absl::StatusOr<ChildProcess> second = ChildProcess::Start(s.binary, args, ScratchDir());
  ASSERT_TRUE(second.ok()) << second.status();
  std::optional<int> exit_code = second->WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit_code.has_value()) << "hung on a port in use";
  EXPECT_NE(*exit_code, 0);
  EXPECT_THAT(Lines(second->Stderr()), Contains(HasSubstr("cannot listen on " + *address)))
      << second->Stderr();
}

INSTANTIATE_TEST_SUITE_P(AllServices, ServiceProcessTest, ::testing::ValuesIn(AllServices()),
                         [](const auto& info) { return info.param.name; });

TEST(StoreConfigTest, UnreachablePostgresExitsWithinSecondsWithOneLine) {
  for (const ServiceUnderTest& s : AllServices()) {
    if (!s.postgres) continue;
    std::vector<std::string> args = GoodArgs(s);
    args.push_back("--postgres_url=postgresql://lagom@127.0.0.1:1/lagom");
    absl::StatusOr<ChildProcess> child = ChildProcess::Start(s.binary, args, ScratchDir());
    ASSERT_TRUE(child.ok()) << child.status();
    std::optional<int> exit_code = child->WaitForExit(absl::Seconds(10));
    ASSERT_TRUE(exit_code.has_value()) << s.name << " hung on unreachable PostgreSQL";
    EXPECT_EQ(*exit_code, 1) << s.name;
    EXPECT_THAT(Lines(child->Stderr()), SizeIs(1)) << s.name << ": " << child->Stderr();
    EXPECT_THAT(child->Stderr(), HasSubstr("127.0.0.1")) << s.name;
  }
}

TEST(StoreConfigTest, UnreachableRedisExitsWithinSecondsWithOneLine) {
  ServiceUnderTest session = AllServices()[1];
  std::vector<std::string> args = GoodArgs(session);
  args.push_back("--redis_addr=127.0.0.1:1");
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(session.binary, args, ScratchDir());
  ASSERT_TRUE(child.ok()) << child.status();
  std::optional<int> exit_code = child->WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit_code.has_value()) << "hung on unreachable Redis";
  EXPECT_EQ(*exit_code, 1);
  EXPECT_THAT(child->Stderr(), HasSubstr("redis"));
}

}  // namespace
}  // namespace lagom::testing
