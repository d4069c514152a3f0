#include "common/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "absl/flags/flag.h"

ABSL_FLAG(int, config_test_port, 7000, "a port");
ABSL_FLAG(std::string, config_test_redis, "127.0.0.1:6379", "redis");
ABSL_FLAG(bool, config_test_verbose, false, "verbose");

namespace lagom {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StrEq;

class ConfigTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* v :
         {"LAGOM_CONFIG_TEST_PORT", "LAGOM_CONFIG_TEST_REDIS", "LAGOM_CONFIG_TEST_VERBOSE"}) {
      unsetenv(v);
    }
    absl::SetFlag(&FLAGS_config_test_port, 7000);
    absl::SetFlag(&FLAGS_config_test_redis, "127.0.0.1:6379");
    absl::SetFlag(&FLAGS_config_test_verbose, false);
  }
};

TEST_F(ConfigTest, EnvironmentSetsFlagsNotGivenOnTheCommandLine) {
  setenv("LAGOM_CONFIG_TEST_PORT", "7100", 1);
  setenv("LAGOM_CONFIG_TEST_REDIS", "redis:6380", 1);
  absl::SetFlag(&FLAGS_config_test_redis, "from-command-line:1");
  ASSERT_TRUE(ApplyEnvironmentToFlags("LAGOM_", {"config_test_redis"}).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_port), 7100);
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_redis), "from-command-line:1");
}

TEST_F(ConfigTest, MalformedEnvironmentValueNamesTheVariable) {
  setenv("LAGOM_CONFIG_TEST_PORT", "seventy", 1);
  absl::Status s = ApplyEnvironmentToFlags();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("LAGOM_CONFIG_TEST_PORT"));
  EXPECT_THAT(s.message(), HasSubstr("seventy"));
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_port), 7000);
}

TEST_F(ConfigTest, CommandLineWinsOverEnvironmentAndKeepsPositionals) {
  setenv("LAGOM_CONFIG_TEST_PORT", "7100", 1);
  setenv("LAGOM_CONFIG_TEST_VERBOSE", "true", 1);
  char prog[] = "lagom-test", a1[] = "--config_test_port=7200", a2[] = "pos",
       a3[] = "--noconfig_test_verbose", a4[] = "--config_test_redis", a5[] = "r:1";
  char* argv[] = {prog, a1, a2, a3, a4, a5};
  std::vector<char*> rest = ParseCommandLineOrDie(6, argv, "usage");
  EXPECT_THAT(rest, ElementsAre(StrEq("lagom-test"), StrEq("pos")));
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_port), 7200);
  EXPECT_FALSE(absl::GetFlag(FLAGS_config_test_verbose));
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_redis), "r:1");
}

TEST_F(ConfigTest, BadFlagPrintsOneLineAndExits2) {
  char prog[] = "lagom-test", a1[] = "--config_test_port=abc";
  char* argv[] = {prog, a1};
  EXPECT_EXIT(ParseCommandLineOrDie(2, argv, "usage"), ::testing::ExitedWithCode(2),
              "^lagom-test: invalid value 'abc' for --config_test_port[^\n]*\n$");
}

TEST_F(ConfigTest, UnknownFlagPrintsOneLineAndExits2) {
  char prog[] = "lagom-test", a1[] = "--no_such_flag=1";
  char* argv[] = {prog, a1};
  EXPECT_EXIT(ParseCommandLineOrDie(2, argv, "usage"), ::testing::ExitedWithCode(2),
              "^lagom-test: unknown flag --no_such_flag\n$");
}

TEST_F(ConfigTest, MalformedEnvironmentExits2NamingTheVariable) {
  setenv("LAGOM_CONFIG_TEST_VERBOSE", "maybe", 1);
  char prog[] = "lagom-test";
  char* argv[] = {prog};
  EXPECT_EXIT(ParseCommandLineOrDie(1, argv, "usage"), ::testing::ExitedWithCode(2),
              "^lagom-test: invalid value 'maybe' in environment variable "
              "LAGOM_CONFIG_TEST_VERBOSE");
}

TEST_F(ConfigTest, DieWithConfigErrorPrintsOneLineAndExits1) {
  EXPECT_EXIT(DieWithConfigError("session", absl::UnavailableError("redis at r:1 unreachable")),
              ::testing::ExitedWithCode(1), "^lagom-session: redis at r:1 unreachable\n$");
}

}  // namespace
}  // namespace lagom
