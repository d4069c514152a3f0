#include "services/questionnaire/webhooks/delivery_worker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/questionnaire/webhooks/webhook_core.h"

namespace lagom::questionnaire::webhooks {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

struct Outcome {
  int status_code = 0;
  std::string error;
  std::string state;
  std::optional<absl::Time> next;
};

class FakeQueue final : public DeliveryQueue {
 public:
  std::vector<DueDelivery> due;
  std::map<int64_t, Outcome> recorded;
  absl::Duration last_lease;
  int last_per_tenant = 0;

  absl::StatusOr<std::vector<DueDelivery>> Claim(int limit, int per_tenant,
                                                 absl::Duration lease) override {
    absl::MutexLock lock(&mu_);
    last_lease = lease;
    last_per_tenant = per_tenant;
    std::vector<DueDelivery> out;
    std::map<std::string, int> taken;
    for (auto it = due.begin(); it != due.end() && static_cast<int>(out.size()) < limit;) {
      if (taken[it->tenant_id] < per_tenant) {
        ++taken[it->tenant_id];
        out.push_back(*it);
        it = due.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }
  absl::Status Record(const DueDelivery& d, int status_code, const std::string& error,
                      const std::string& state, std::optional<absl::Time> next) override {
    absl::MutexLock lock(&mu_);
    recorded[d.id] = Outcome{status_code, error, state, next};
    return absl::OkStatus();
  }

 private:
  absl::Mutex mu_;  // a pass records from several threads
};

class FakeSender final : public WebhookSender {
 public:
  int Posts() {
    absl::MutexLock lock(&mu_);
    return posts;
  }
  SendResult reply{200, ""};
  std::string url, body;
  std::map<std::string, std::string> headers;
  int posts = 0;

  SendResult Post(const std::string& u, const std::vector<std::pair<std::string, std::string>>& h,
                  const std::string& b) override {
    absl::MutexLock lock(&mu_);
    ++posts;
    url = u;
    body = b;
    headers = std::map<std::string, std::string>(h.begin(), h.end());
    return reply;
  }

 private:
  absl::Mutex mu_;
};

// Answers only once `expected` posts are under way together: a worker posting one after
// another gets no answer (after `wait`) for any of them.
class TogetherSender final : public WebhookSender {
 public:
  TogetherSender(int expected, absl::Duration wait) : expected_(expected), wait_(wait) {}
  SendResult Post(const std::string&, const std::vector<std::pair<std::string, std::string>>&,
                  const std::string&) override {
    absl::MutexLock lock(&mu_);
    ++arrived_;
    const bool together =
        mu_.AwaitWithTimeout(absl::Condition(
                                 +[](TogetherSender* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu_) {
                                   return s->arrived_ >= s->expected_;
                                 },
                                 this),
                             wait_);
    return together ? SendResult{200, ""} : SendResult{0, "posted one after another"};
  }

 private:
  const int expected_;
  const absl::Duration wait_;
  absl::Mutex mu_;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
};

DueDelivery Due(int64_t id, int attempts, absl::Time created) {
  DueDelivery d;
  d.id = id;
  d.tenant_id = "acme";
  d.webhook_id = "wh-1";
  d.event_id = "ev-1";
  d.event_type = "session.closed";
  d.payload = R"({"type":"session.closed"})";
  d.create_time = created;
  d.attempts = attempts;
  d.url = "https://itsm.example.com/hook";
  d.secret = "whsec_test";
  return d;
}

class DeliveryWorkerTest : public ::testing::Test {
 protected:
  FakeQueue queue_;
  FakeSender sender_;
  DeliveryWorker worker_{queue_, sender_, {}, [] { return kNow; }};
};

TEST_F(DeliveryWorkerTest, PostsSignedBodyAndMarksSucceededOn2xx) {
  queue_.due.push_back(Due(1, 1, kNow));
  ASSERT_EQ(worker_.RunOnce().value(), 1);
  EXPECT_EQ(sender_.url, "https://itsm.example.com/hook");
  EXPECT_EQ(sender_.body, R"({"type":"session.closed"})");
  EXPECT_EQ(sender_.headers["Content-Type"], "application/json");
  EXPECT_EQ(sender_.headers["Lagom-Event-Id"], "ev-1");
  EXPECT_EQ(sender_.headers["Lagom-Event-Type"], "session.closed");
  // What a receiver checks, with the secret it was given.
  EXPECT_TRUE(
      VerifySignature("whsec_test", sender_.headers["Lagom-Signature"], sender_.body, kNow).ok());
  EXPECT_EQ(queue_.recorded[1].state, "SUCCEEDED");
  EXPECT_EQ(queue_.recorded[1].status_code, 200);
  EXPECT_EQ(queue_.recorded[1].next, std::nullopt);
}

TEST_F(DeliveryWorkerTest, ServerErrorIsRetriedWithBackoff) {
  sender_.reply = SendResult{503, "HTTP 503: busy"};
  queue_.due.push_back(Due(1, 1, kNow));
  queue_.due.push_back(Due(2, 3, kNow));
  ASSERT_EQ(worker_.RunOnce().value(), 2);
  EXPECT_EQ(queue_.recorded[1].state, "PENDING");
  EXPECT_EQ(queue_.recorded[1].status_code, 503);
  EXPECT_EQ(queue_.recorded[1].error, "HTTP 503: busy");
  EXPECT_EQ(queue_.recorded[1].next, kNow + absl::Seconds(10));
  EXPECT_EQ(queue_.recorded[2].next, kNow + absl::Seconds(40));
}

TEST_F(DeliveryWorkerTest, NoResponseIsRetriedToo) {
  sender_.reply = SendResult{0, "connection refused"};
  queue_.due.push_back(Due(1, 1, kNow));
  ASSERT_TRUE(worker_.RunOnce().ok());
  EXPECT_EQ(queue_.recorded[1].state, "PENDING");
  EXPECT_EQ(queue_.recorded[1].status_code, 0);
  EXPECT_THAT(queue_.recorded[1].error, HasSubstr("refused"));
}

TEST_F(DeliveryWorkerTest, GivesUpPastTwentyFourHours) {
  sender_.reply = SendResult{500, "HTTP 500: "};
  queue_.due.push_back(Due(1, 30, kNow - absl::Hours(23) - absl::Minutes(59)));
  ASSERT_TRUE(worker_.RunOnce().ok());
  EXPECT_EQ(queue_.recorded[1].state, "FAILED");
  EXPECT_EQ(queue_.recorded[1].next, std::nullopt);
}

TEST_F(DeliveryWorkerTest, DeletedEndpointIsNotPosted) {
  DueDelivery d = Due(1, 1, kNow);
  d.url.clear();
  queue_.due.push_back(d);
  ASSERT_TRUE(worker_.RunOnce().ok());
  EXPECT_EQ(sender_.posts, 0);
  ASSERT_TRUE(queue_.recorded.count(1));
  EXPECT_EQ(queue_.recorded[1].state, "FAILED");
  EXPECT_EQ(queue_.recorded[1].error, "webhook deleted");
  EXPECT_EQ(queue_.recorded[1].next, std::nullopt) << "a deleted endpoint is not tried again";
}

TEST_F(DeliveryWorkerTest, ClaimsWithTheLeaseAndAtMostABatch) {
  for (int i = 0; i < 20; ++i) {
    queue_.due.push_back(Due(i + 1, 1, kNow));
    queue_.due.back().tenant_id = absl::StrCat("tenant", i);
  }
  EXPECT_EQ(worker_.RunOnce().value(), 16);
  EXPECT_EQ(queue_.last_lease, absl::Minutes(1));
  EXPECT_EQ(queue_.last_per_tenant, 4);
  EXPECT_EQ(worker_.RunOnce().value(), 4);
}

// A pass takes only a share of one tenant's deliveries, so a backlog never fills a batch: the
// worker goes again at once after any pass that claimed something, not after `poll`.
TEST(DeliveryWorkerPassTest, OneTenantsBacklogIsWorkedThroughPassAfterPass) {
  FakeQueue queue;
  for (int i = 0; i < 10; ++i) queue.due.push_back(Due(i + 1, 1, kNow));
  FakeSender sender;
  DeliveryWorker worker(queue, sender, {.poll = absl::Hours(1)}, [] { return kNow; });
  worker.Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (sender.Posts() < 10 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(sender.Posts(), 10) << "the worker waited for its poll between passes";
}

// An endpoint that takes its time holds up nobody else's delivery in the pass, and a pass lasts
// as long as its slowest POST, not their sum (which would outlast the lease).
TEST(DeliveryWorkerPassTest, APassPostsItsDeliveriesAtOnce) {
  FakeQueue queue;
  for (int i = 0; i < 5; ++i) {
    queue.due.push_back(Due(i + 1, 1, kNow));
    queue.due.back().tenant_id = absl::StrCat("tenant", i);
  }
  TogetherSender sender(5, absl::Seconds(10));
  DeliveryWorker worker(queue, sender, {}, [] { return kNow; });
  ASSERT_EQ(worker.RunOnce().value(), 5);
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(queue.recorded[i].state, "SUCCEEDED") << i << ": " << queue.recorded[i].error;
  }
}

}  // namespace
}  // namespace lagom::questionnaire::webhooks
