// The outbox relay's decisions: what is stamped delivered, what is retried and when.
#include "common/outbox_relay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "common/status.h"

namespace lagom {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Rows in memory; Claim honours leases the way the PostgreSQL store does.
class MemoryOutbox final : public OutboxStore {
 public:
  struct Row {
    OutboxDelivery event;
    absl::Time next_attempt;
    std::optional<absl::Time> delivered;
    std::string last_error;
  };

  void Add(int64_t id, std::string topic = "session.closed") {
    rows[id] = Row{OutboxDelivery{id, "acme", std::move(topic), "s1", "payload", 0}, now, {}, ""};
  }

  absl::StatusOr<std::vector<OutboxDelivery>> Claim(int limit, absl::Duration lease) override {
    std::vector<OutboxDelivery> out;
    for (auto& [id, row] : rows) {
      if (static_cast<int>(out.size()) == limit) break;
      if (row.delivered || row.next_attempt > now) continue;
      row.event.attempts++;
      row.next_attempt = now + lease;
      out.push_back(row.event);
    }
    return out;
  }
  absl::Status MarkDelivered(const OutboxDelivery& claimed, const std::string& note) override {
    if (absl::Status held = Held(claimed); !held.ok()) return held;
    rows[claimed.event_id].delivered = now;
    rows[claimed.event_id].last_error = note;
    return absl::OkStatus();
  }
  absl::Status Retry(const OutboxDelivery& claimed, absl::Duration delay,
                     const std::string& error) override {
    if (absl::Status held = Held(claimed); !held.ok()) return held;
    rows[claimed.event_id].next_attempt = now + delay;
    rows[claimed.event_id].last_error = error;
    return absl::OkStatus();
  }
  absl::Status Release(const OutboxDelivery& claimed) override {
    if (absl::Status held = Held(claimed); !held.ok()) return held;
    rows[claimed.event_id].next_attempt = now;
    return absl::OkStatus();
  }
  absl::Status Held(const OutboxDelivery& claimed) {
    const Row& row = rows[claimed.event_id];
    if (row.delivered || row.event.attempts != claimed.attempts) {
      return absl::AbortedError("claimed again");
    }
    return absl::OkStatus();
  }

  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  std::map<int64_t, Row> rows;
};

// Answers with the statuses it is given, in order, then OK; records what it saw.
class ScriptedConsumer final : public EventConsumer {
 public:
  absl::Status Deliver(const OutboxDelivery& event) override {
    seen.push_back(event.event_id);
    if (script.empty()) return absl::OkStatus();
    absl::Status s = script.front();
    script.erase(script.begin());
    return s;
  }
  std::vector<absl::Status> script;
  std::vector<int64_t> seen;
};

TEST(OutboxRelayTest, DeliversDueRowsOnceAndStampsThem) {
  MemoryOutbox store;
  ScriptedConsumer consumer;
  store.Add(1);
  store.Add(2);
  OutboxRelay relay(store, consumer);
  ASSERT_EQ(*relay.RunOnce(), 2);
  EXPECT_THAT(consumer.seen, ElementsAre(1, 2));
  EXPECT_TRUE(store.rows[1].delivered.has_value());
  EXPECT_TRUE(store.rows[2].delivered.has_value());
  ASSERT_EQ(*relay.RunOnce(), 0);
  EXPECT_THAT(consumer.seen, ElementsAre(1, 2));
}

TEST(OutboxRelayTest, AFailedDeliveryIsRetriedWithGrowingDelays) {
  MemoryOutbox store;
  ScriptedConsumer consumer;
  consumer.script = {absl::UnavailableError("scoring down"), absl::UnimplementedError("not yet")};
  store.Add(7);
  OutboxRelay relay(store, consumer);

  ASSERT_EQ(*relay.RunOnce(), 1);
  EXPECT_FALSE(store.rows[7].delivered.has_value());
  EXPECT_THAT(store.rows[7].last_error, HasSubstr("scoring down"));
  EXPECT_EQ(store.rows[7].next_attempt, store.now + absl::Seconds(1));
  ASSERT_EQ(*relay.RunOnce(), 0) << "not due before its delay";

  store.now += absl::Seconds(1);
  ASSERT_EQ(*relay.RunOnce(), 1);
  EXPECT_EQ(store.rows[7].next_attempt, store.now + absl::Seconds(2));

  store.now += absl::Seconds(2);
  ASSERT_EQ(*relay.RunOnce(), 1);
  EXPECT_TRUE(store.rows[7].delivered.has_value());
  EXPECT_EQ(store.rows[7].last_error, "");
  EXPECT_THAT(consumer.seen, ElementsAre(7, 7, 7));
}

TEST(OutboxRelayTest, ARowLeasedByACrashedReplicaIsClaimedAgainAfterItsLease) {
  MemoryOutbox store;
  ScriptedConsumer consumer;
  store.Add(3);
  // Another replica claimed the row and died before recording the outcome.
  ASSERT_EQ(store.Claim(16, absl::Minutes(1))->size(), 1u);
  OutboxRelay relay(store, consumer);
  ASSERT_EQ(*relay.RunOnce(), 0);
  store.now += absl::Minutes(1);
  ASSERT_EQ(*relay.RunOnce(), 1);
  EXPECT_TRUE(store.rows[3].delivered.has_value());
  EXPECT_EQ(store.rows[3].event.attempts, 2);
}

TEST(OutboxRelayTest, NotFoundSettlesTheRowWithTheReason) {
  MemoryOutbox store;
  ScriptedConsumer consumer;
  consumer.script = {absl::NotFoundError("tenants/acme/sessions/s1 not found")};
  store.Add(4);
  OutboxRelay relay(store, consumer);
  ASSERT_EQ(*relay.RunOnce(), 1);
  EXPECT_TRUE(store.rows[4].delivered.has_value());
  EXPECT_THAT(store.rows[4].last_error, HasSubstr("not found"));
}

TEST(OutboxRelayTest, AClosedSessionThatCannotBeScoredSettlesTheRow) {
  MemoryOutbox store;
  ScriptedConsumer consumer;
  consumer.script = {absl::FailedPreconditionError("session s1 has no answers to score yet"),
                     absl::UnavailableError("scoring is down")};
  store.Add(5);
  store.Add(6);
  OutboxRelay relay(store, consumer);
  ASSERT_EQ(*relay.RunOnce(), 2);
  EXPECT_TRUE(store.rows[5].delivered.has_value());
  EXPECT_THAT(store.rows[5].last_error, HasSubstr("no answers"));
  // Unavailable is worth retrying.
  EXPECT_FALSE(store.rows[6].delivered.has_value());
}

TEST(OutboxRelayTest, ARefusedEventIsRetriedForAboutADayThenSettled) {
  MemoryOutbox store;
  ScriptedConsumer consumer;
  consumer.script.assign(kAttemptsOfARefusedEvent,
                         absl::InvalidArgumentError("data[\"services\"]: too long"));
  store.Add(8);
  OutboxRelay relay(store, consumer);
  absl::Duration waited;
  for (int attempt = 1; attempt < kAttemptsOfARefusedEvent; ++attempt) {
    ASSERT_EQ(*relay.RunOnce(), 1);
    ASSERT_FALSE(store.rows[8].delivered.has_value()) << "attempt " << attempt;
    waited += store.rows[8].next_attempt - store.now;
    store.now = store.rows[8].next_attempt;
  }
  ASSERT_EQ(*relay.RunOnce(), 1);
  EXPECT_TRUE(store.rows[8].delivered.has_value());
  EXPECT_THAT(store.rows[8].last_error, HasSubstr("too long"));
  EXPECT_GE(waited, absl::Hours(24));
  EXPECT_LT(waited, absl::Hours(26));
}

// Scoring failing on an event for good (reporting refused the scorecard it built) is settled
// like a refusal; a dependency that is merely down is retried however long it takes.
TEST(OutboxRelayTest, AFailureForGoodIsSettledAfterADayAndAnOutageNever) {
  // Runs `attempts` passes over one row its consumer answers `status` every time.
  const auto run = [](absl::Status status, int attempts) {
    MemoryOutbox store;
    ScriptedConsumer consumer;
    consumer.script.assign(attempts, status);
    store.Add(8);
    OutboxRelay relay(store, consumer);
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      EXPECT_EQ(*relay.RunOnce(), 1) << "attempt " << attempt;
      if (store.rows[8].delivered.has_value()) {
        EXPECT_EQ(attempt, kAttemptsOfARefusedEvent) << "settled too early";
        break;
      }
      store.now = store.rows[8].next_attempt;
    }
    return store.rows[8];
  };
  const MemoryOutbox::Row failed = run(Error(absl::StatusCode::kInternal, "DEPENDENCY_FAILED",
                                             "recording the scorecard was refused by reporting"),
                                       kAttemptsOfARefusedEvent);
  EXPECT_TRUE(failed.delivered.has_value());
  EXPECT_THAT(failed.last_error, HasSubstr("refused by reporting"));
  // Any other INTERNAL may pass (a database condition, a reset stream): a tenant purge failing
  // so is handed over until it succeeds.
  const MemoryOutbox::Row internal =
      run(absl::InternalError("too many connections"), kAttemptsOfARefusedEvent + 5);
  EXPECT_FALSE(internal.delivered.has_value());
  const MemoryOutbox::Row down =
      run(absl::UnavailableError("reporting is down"), kAttemptsOfARefusedEvent + 5);
  EXPECT_FALSE(down.delivered.has_value());
  EXPECT_THAT(down.last_error, HasSubstr("down"));
}

TEST(OutboxRelayTest, RowsWhoseLeaseWouldRunOutMidDeliveryAreReleasedUntried) {
  MemoryOutbox store;
  // The first delivery takes 40 s of the minute's lease: the second could not end within it.
  class SlowConsumer final : public EventConsumer {
   public:
    explicit SlowConsumer(MemoryOutbox& store) : store_(store) {}
    absl::Status Deliver(const OutboxDelivery& event) override {
      seen.push_back(event.event_id);
      store_.now += absl::Seconds(40);
      return absl::OkStatus();
    }
    std::vector<int64_t> seen;

   private:
    MemoryOutbox& store_;
  } consumer(store);
  store.Add(1);
  store.Add(2);
  OutboxRelayOptions options;
  options.clock = [&store] { return store.now; };
  OutboxRelay relay(store, consumer, options);
  ASSERT_EQ(*relay.RunOnce(), 2);
  EXPECT_THAT(consumer.seen, ElementsAre(1));
  EXPECT_TRUE(store.rows[1].delivered.has_value());
  EXPECT_FALSE(store.rows[2].delivered.has_value());
  EXPECT_EQ(store.rows[2].event.attempts, 1) << "claimed once, not tried";
  ASSERT_EQ(*relay.RunOnce(), 1) << "due again at once";
  EXPECT_THAT(consumer.seen, ElementsAre(1, 2));
  EXPECT_TRUE(store.rows[2].delivered.has_value());
}

TEST(OutboxRelayTest, AnOutcomeOfAClaimTakenOverChangesNothing) {
  MemoryOutbox store;
  ScriptedConsumer consumer;
  store.Add(9);
  store.Add(10);
  // This relay's claim of row 9 ran out while it delivered; another replica claimed it since.
  class TakenOver final : public EventConsumer {
   public:
    explicit TakenOver(MemoryOutbox& store) : store_(store) {}
    absl::Status Deliver(const OutboxDelivery& event) override {
      if (event.event_id == 9) {
        store_.now += absl::Minutes(1);
        EXPECT_EQ(store_.Claim(1, absl::Minutes(1))->size(), 1u);
        return absl::UnavailableError("slow and failed");
      }
      return absl::OkStatus();
    }

   private:
    MemoryOutbox& store_;
  } taken_over(store);
  OutboxRelay relay(store, taken_over);
  ASSERT_EQ(*relay.RunOnce(), 2) << "the stale outcome does not end the pass";
  EXPECT_EQ(store.rows[9].event.attempts, 2);
  EXPECT_EQ(store.rows[9].last_error, "") << "the stale retry wrote nothing";
  EXPECT_EQ(store.rows[9].next_attempt, store.now + absl::Minutes(1)) << "the new lease stands";
  EXPECT_TRUE(store.rows[10].delivered.has_value());
}

TEST(OutboxRelayTest, RetryDelayDoublesUpToItsCap) {
  EXPECT_EQ(RetryDelay(1), absl::Seconds(1));
  EXPECT_EQ(RetryDelay(2), absl::Seconds(2));
  EXPECT_EQ(RetryDelay(5), absl::Seconds(16));
  EXPECT_EQ(RetryDelay(9), absl::Seconds(256));
  EXPECT_EQ(RetryDelay(10), absl::Minutes(5));
  EXPECT_EQ(RetryDelay(1000), absl::Minutes(5));
}

}  // namespace
}  // namespace lagom
