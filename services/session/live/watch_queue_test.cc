#include "services/session/live/watch_queue.h"

#include <gtest/gtest.h>

#include <vector>

#include "services/session/live/shared_event.h"

namespace lagom::session {
namespace {

// A change of `item`'s distribution (round 1) at `cursor`, with `count` answers.
WatchQueue::Entry Change(int64_t cursor, const std::string& item, int count) {
  api::WatchSessionResponse e;
  e.set_cursor(cursor);
  api::ItemDistribution& d = *e.mutable_item_distribution_changed()->mutable_distribution();
  d.set_item_id(item);
  d.set_round(1);
  d.add_groups()->set_answer_count(count);
  return {.cursor = cursor, .bytes = EncodeWatchEvent(e), .distribution = {{item, 1}}};
}

WatchQueue::Entry Joined(int64_t cursor) {
  api::WatchSessionResponse e;
  e.set_cursor(cursor);
  e.mutable_participant_joined()->mutable_participant()->set_name("p");
  return {.cursor = cursor, .bytes = EncodeWatchEvent(e)};
}

api::WatchSessionResponse Decode(const WatchQueue::Entry& entry) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(entry.bytes.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(s.begin(), s.end());
  api::WatchSessionResponse e;
  EXPECT_TRUE(e.ParseFromString(bytes));
  return e;
}

// The cursors popped until the queue is empty.
std::vector<int64_t> Drain(WatchQueue& q) {
  std::vector<int64_t> out;
  while (std::optional<WatchQueue::Entry> e = q.Pop()) {
    EXPECT_EQ(Decode(*e).cursor(), e->cursor);
    out.push_back(e->cursor);
  }
  return out;
}

TEST(WatchQueueTest, KeepsOrderWithoutRepeatedChanges) {
  WatchQueue q;
  q.Push(Change(1, "a", 1));
  q.Push(Joined(2));
  q.Push(Change(3, "b", 1));
  EXPECT_EQ(Drain(q), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(q.empty());
}

TEST(WatchQueueTest, LaterChangeOfADistributionReplacesAWaitingOne) {
  WatchQueue q;
  q.Push(Change(1, "a", 1));
  q.Push(Joined(2));
  q.Push(Change(3, "b", 1));
  q.Push(Change(4, "a", 2));
  q.Push(Change(5, "a", 3));
  // "a" at 1 and 4 are dropped; what remains keeps increasing cursors.
  std::vector<int64_t> cursors;
  int a_count = 0;
  while (std::optional<WatchQueue::Entry> e = q.Pop()) {
    cursors.push_back(e->cursor);
    const api::WatchSessionResponse event = Decode(*e);
    if (event.item_distribution_changed().distribution().item_id() == "a") {
      a_count = event.item_distribution_changed().distribution().groups(0).answer_count();
    }
  }
  EXPECT_EQ(cursors, (std::vector<int64_t>{2, 3, 5}));
  EXPECT_EQ(a_count, 3);
}

TEST(WatchQueueTest, ChangeAlreadyWrittenIsNotReplaced) {
  WatchQueue q;
  q.Push(Change(1, "a", 1));
  ASSERT_EQ(q.Pop()->cursor, 1);  // on its way to the watcher
  q.Push(Change(2, "a", 2));
  q.Push(Joined(3));
  EXPECT_EQ(Drain(q), (std::vector<int64_t>{2, 3}));
}

TEST(WatchQueueTest, OtherRoundsOfAnItemAreOtherDistributions) {
  WatchQueue q;
  q.Push(Change(1, "a", 1));
  WatchQueue::Entry second_round = Change(2, "a", 1);
  second_round.distribution = {{"a", 2}};
  q.Push(std::move(second_round));
  EXPECT_EQ(Drain(q), (std::vector<int64_t>{1, 2}));
}

TEST(WatchQueueTest, SnapshotGoesFirstAndClearForgetsWaitingChanges) {
  WatchQueue q;
  q.Push(Change(5, "a", 1));
  q.PushFront(Joined(4));
  EXPECT_EQ(Drain(q), (std::vector<int64_t>{4, 5}));

  q.Push(Change(6, "a", 2));
  q.Clear();
  EXPECT_TRUE(q.empty());
  q.Push(Change(7, "a", 3));
  EXPECT_EQ(Drain(q), (std::vector<int64_t>{7}));
}

TEST(SharedEventTest, EachViewShapesTheEventOnce) {
  api::WatchSessionResponse e;
  e.set_cursor(9);
  api::Participant& p = *e.mutable_participant_joined()->mutable_participant();
  p.set_name("tenants/t/sessions/s/participants/p");
  p.set_display_name("Ada");
  p.set_email("ada@example.com");
  const SharedEvent shared(e);
  EXPECT_TRUE(shared.event().has_event_time());

  auto decode = [](const grpc::ByteBuffer& b) { return Decode({.bytes = b}); };
  const api::WatchSessionResponse as_is = decode(shared.Encoded(SharedEvent::View::kAsIs));
  EXPECT_EQ(as_is.participant_joined().participant().display_name(), "Ada");
  EXPECT_EQ(as_is.cursor(), 9);
  const api::WatchSessionResponse withheld =
      decode(shared.Encoded(SharedEvent::View::kIdentityWithheld));
  EXPECT_EQ(withheld.participant_joined().participant().name(), p.name());
  EXPECT_EQ(withheld.participant_joined().participant().display_name(), "");
  EXPECT_EQ(withheld.participant_joined().participant().email(), "");
  // The shared message itself is not changed by a view.
  EXPECT_EQ(shared.event().participant_joined().participant().display_name(), "Ada");
  // Asked again, a view gives the bytes it made the first time, not a new serialization.
  for (SharedEvent::View view : {SharedEvent::View::kAsIs, SharedEvent::View::kIdentityWithheld}) {
    std::vector<grpc::Slice> first, again;
    ASSERT_TRUE(shared.Encoded(view).Dump(&first).ok());
    ASSERT_TRUE(shared.Encoded(view).Dump(&again).ok());
    ASSERT_EQ(first.size(), again.size());
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(first[0].begin(), again[0].begin());
  }

  api::WatchSessionResponse change;
  change.mutable_item_distribution_changed()->mutable_distribution()->set_item_id("q1");
  SharedEvent::Apply(SharedEvent::View::kRevealed, change);
  EXPECT_TRUE(change.item_distribution_changed().distribution().revealed());
  SharedEvent::Apply(SharedEvent::View::kDistributionWithheld, change);
  EXPECT_FALSE(change.item_distribution_changed().has_distribution());
}

}  // namespace
}  // namespace lagom::session
