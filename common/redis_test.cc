#include "common/redis.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/testing/integration.h"

namespace lagom {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Type = RedisReply::Type;

class RedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RedisClient>> client =
        RedisClient::Connect(testing::TestRedisAddress(), absl::Seconds(5), 2);
    ASSERT_TRUE(client.ok()) << client.status();
    redis_ = *std::move(client);
  }

  RedisReply Run(const std::vector<std::string>& argv) {
    absl::StatusOr<RedisReply> reply = redis_->Command(argv);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : RedisReply{};
  }

  RequestContext tenant_{.tenant_id = testing::UniqueTenantId()};
  std::unique_ptr<RedisClient> redis_;
};

TEST_F(RedisTest, PingSetGet) {
  ASSERT_TRUE(redis_->Ping().ok());
  const std::string key = TenantKey(tenant_, {"greeting"});
  EXPECT_EQ(Run({"SET", key, std::string("hej\0då", 6)}).str, "OK");
  RedisReply got = Run({"GET", key});
  EXPECT_EQ(got.type, Type::kString);
  EXPECT_EQ(got.str, std::string("hej\0då", 6));
  EXPECT_EQ(Run({"GET", TenantKey(tenant_, {"missing"})}).type, Type::kNil);
  RedisReply n = Run({"INCRBY", TenantKey(tenant_, {"n"}), "41"});
  EXPECT_EQ(n.type, Type::kInteger);
  EXPECT_EQ(n.integer, 41);
  Run({"RPUSH", TenantKey(tenant_, {"list"}), "a", "b"});
  RedisReply list = Run({"LRANGE", TenantKey(tenant_, {"list"}), "0", "-1"});
  ASSERT_EQ(list.type, Type::kArray);
  ASSERT_EQ(list.elements.size(), 2u);
  EXPECT_EQ(list.elements[1].str, "b");
}

TEST_F(RedisTest, ErrorReplyIsFailedPreconditionWithRedisMessage) {
  const std::string key = TenantKey(tenant_, {"greeting"});
  Run({"SET", key, "x"});
  absl::StatusOr<RedisReply> reply = redis_->Command({"INCR", key});
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(reply.status().message(), HasSubstr("not an integer"));
}

TEST_F(RedisTest, PipelineAnswersEveryCommandInOrder) {
  const std::string n = TenantKey(tenant_, {"n"});
  const std::string s = TenantKey(tenant_, {"s"});
  absl::StatusOr<std::vector<RedisReply>> replies = redis_->Pipeline(
      {{"INCRBY", n, "2"}, {"SET", s, "x"}, {"INCRBY", n, "3"}, {"GET", s}, {"GET", n}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 5u);
  EXPECT_EQ((*replies)[0].integer, 2);
  EXPECT_EQ((*replies)[2].integer, 5);
  EXPECT_EQ((*replies)[3].str, "x");
  EXPECT_EQ((*replies)[4].str, "5");
  EXPECT_TRUE(redis_->Pipeline({})->empty());

  // An error reply fails the call, names the command, and leaves the connection usable.
  absl::StatusOr<std::vector<RedisReply>> failed =
      redis_->Pipeline({{"INCR", s}, {"INCRBY", n, "10"}});
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(failed.status().message(), HasSubstr("redis INCR"));
  EXPECT_EQ(Run({"GET", n}).str, "15") << "the other commands still ran";
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(redis_->Ping().ok());
}

// Send returns once the commands are written: they run while the caller does other work (here,
// another command on another connection), and Receive reads their replies.
TEST_F(RedisTest, SentCommandsRunBeforeTheirRepliesAreRead) {
  const std::string n = TenantKey(tenant_, {"sent"});
  absl::StatusOr<RedisClient::InFlight> sent = redis_->Send({{"INCRBY", n, "2"}, {"GET", n}});
  ASSERT_TRUE(sent.ok()) << sent.status();
  // Another connection sees the write without anyone having read the replies.
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (Run({"GET", n}).str != "2" && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(Run({"GET", n}).str, "2");
  absl::StatusOr<std::vector<RedisReply>> replies = redis_->Receive(*std::move(sent));
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_EQ((*replies)[0].integer, 2);
  EXPECT_EQ((*replies)[1].str, "2");
  // Replies never read: each such connection is dropped (its replies would answer the next
  // user's commands), the pool carries on with fresh ones.
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(redis_->Send({{"GET", n}}).ok());
  }
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<std::vector<RedisReply>> again = redis_->Pipeline({{"PING"}, {"GET", n}});
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ((*again)[0].str, "PONG");
    EXPECT_EQ((*again)[1].str, "2");
  }
}

TEST_F(RedisTest, KeysAreNamespacedByTenant) {
  RequestContext other{.tenant_id = testing::UniqueTenantId()};
  EXPECT_EQ(TenantKey({.tenant_id = "acme"}, {"session", "s1", "progress"}),
            "lagom:acme:session:s1:progress");
  Run({"SET", TenantKey(tenant_, {"session", "s1"}), "mine"});
  EXPECT_EQ(Run({"GET", TenantKey(other, {"session", "s1"})}).type, Type::kNil);
}

TEST_F(RedisTest, ReconnectsWhenTheServerDropsTheConnection) {
  Run({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"});  // drops every pooled connection
  EXPECT_TRUE(redis_->Ping().ok());
}

TEST_F(RedisTest, PoolServesMoreThreadsThanConnections) {
  const std::string key = TenantKey(tenant_, {"counter"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) EXPECT_TRUE(redis_->Command({"INCR", key}).ok());
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(Run({"GET", key}).str, "300");
}

TEST(RedisUnreachableTest, IsUnavailableNamingTheAddress) {
  absl::StatusOr<std::unique_ptr<RedisClient>> client =
      RedisClient::Connect("127.0.0.1:1", absl::Seconds(2));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(client.status().message()),
              StartsWith("redis at 127.0.0.1:1 unreachable: "));
}

TEST(RedisUnreachableTest, MalformedAddressIsInvalidArgument) {
  EXPECT_EQ(RedisClient::Connect("localhost", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lagom
