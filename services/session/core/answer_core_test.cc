// The answer writers' batches: what is queued together is written in one transaction, each
// write still gets its own verdict, and the live state hears of what committed, once.
//
// Each test holds the writer on a batch of its own (see HoldWriter), submits the writes it
// needs (they queue, as concurrent callers' writes do while a transaction runs), and then
// lets the writer go on: it takes everything queued as its next batch.
#include "services/session/core/answer_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/status.h"
#include "services/session/core/testing/session_fixture.h"

namespace lagom::session {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

api::Answer Answer(const std::string& item, double value) {
  api::Answer a;
  a.set_item_id(item);
  a.set_value(value);
  return a;
}

// "participant:item=value", "participant:item withdrawn".
std::string Describe(const AnswerChange& c) {
  if (c.withdrawn) return absl::StrCat(c.participant_id, ":", c.item_id, " withdrawn");
  return absl::StrCat(c.participant_id, ":", c.item_id, "=", c.value.value_or(-1));
}

// One asynchronous call: its request, its response and, once a writer reported it, its outcome.
template <typename Request, typename Response>
struct Call {
  Request request;
  Response response;
  absl::Status outcome;
  absl::Notification finished;

  AnswerCore::Done Done() {
    return [this](absl::Status s) {
      outcome = std::move(s);
      finished.Notify();
    };
  }
  const absl::Status& Outcome() {
    finished.WaitForNotification();
    return outcome;
  }
};
using SubmitCall = Call<api::SubmitAnswerRequest, api::SubmitAnswerResponse>;
using BatchCall = Call<api::BatchSubmitAnswersRequest, api::BatchSubmitAnswersResponse>;
using DeleteCall = Call<api::DeleteAnswerRequest, api::DeleteAnswerResponse>;

// Sessions s1 (OPEN, providers alice, bob, carol and dan) and s2 (CLOSED, provider erin), both
// on the yes/no model; an AnswerCore with one writer.
class AnswerCoreTest : public testing::SessionFixture {
 protected:
  static constexpr char kS2[] = "tenants/acme/sessions/s2";

  static std::string Carol() { return absl::StrCat(kS1, "/participants/carol"); }
  static std::string Dan() { return absl::StrCat(kS1, "/participants/dan"); }
  static std::string Erin() { return absl::StrCat(kS2, "/participants/erin"); }

  AnswerCoreTest() {
    PutSession("s1", api::SESSION_STATE_OPEN, {}, /*anonymous=*/false, /*model=*/true);
    PutSession("s2", api::SESSION_STATE_CLOSED, {}, /*anonymous=*/false, /*model=*/true);
    for (const std::string& name : {Alice(), Bob(), Carol(), Dan(), Erin()}) {
      PutParticipant(name, Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER));
    }
  }
  // A test that failed while the writer was held must not leave ~AnswerCore waiting for it.
  ~AnswerCoreTest() override { live_.ReleaseWriters(); }

  // Holds the writer on a batch of its own (a write of another tenant, which has nothing), so
  // that the writes submitted until ReleaseWriter queue behind it.
  void HoldWriter() {
    const std::string parent = "tenants/globex/sessions/s9/participants/zoe";
    RequestContext other = Invitee(parent);
    other.tenant_id = "globex";
    other.principal.set_tenant_id("globex");
    live_.HoldWriters();
    SubmitAs(other, parent, Answer("incident.triage", 1));
    live_.AwaitHeldWriter();
  }
  // The writer finishes the held batch, then takes what queued meanwhile as its next.
  void ReleaseWriter() { live_.ReleaseWriters(); }

  SubmitCall& SubmitAs(const RequestContext& rc, const std::string& parent,
                       const api::Answer& answer, const std::string& request_id = "") {
    SubmitCall& call = submits_.emplace_back();
    call.request.set_parent(parent);
    *call.request.mutable_answer() = answer;
    call.request.set_request_id(request_id);
    core_.SubmitAnswerAsync(rc, call.request, &call.response, call.Done());
    return call;
  }
  // As the participant `parent` itself.
  SubmitCall& Submit(const std::string& parent, const api::Answer& answer,
                     const std::string& request_id = "") {
    return SubmitAs(Invitee(parent), parent, answer, request_id);
  }
  BatchCall& SubmitBatch(const std::string& parent, const std::vector<api::Answer>& answers) {
    BatchCall& call = batches_.emplace_back();
    call.request.set_parent(parent);
    for (const api::Answer& a : answers) *call.request.add_answers() = a;
    core_.BatchSubmitAnswersAsync(Invitee(parent), call.request, &call.response, call.Done());
    return call;
  }
  DeleteCall& Withdraw(const std::string& parent, const std::string& item) {
    DeleteCall& call = deletes_.emplace_back();
    call.request.set_name(absl::StrCat(parent, "/answers/", item));
    core_.DeleteAnswerAsync(Invitee(parent), call.request, &call.response, call.Done());
    return call;
  }

  // The answer journal of acme: "session/participant:item=value" a row, or "... withdrawn".
  std::vector<std::string> Journal() {
    std::vector<std::string> rows;
    for (const auto& [key, r] : Stored().answers) {
      api::Answer a;
      EXPECT_TRUE(a.ParseFromString(r.body));
      rows.push_back(absl::StrCat(std::get<0>(key), "/", r.participant_id, ":", r.item_id,
                                  r.withdrawn ? " withdrawn" : absl::StrCat("=", a.value())));
    }
    return rows;
  }
  // Rows written by committed transactions (each write of a row counts, an overwrite too).
  int64_t RowsWritten() { return Stored().seq; }
  int64_t StoredSeq(const std::string& participant, const std::string& item) {
    return Stored().answers.at({"s1", participant, item, 1}).seq;
  }
  int64_t ParticipantVersion(const std::string& session, const std::string& participant) {
    return Stored().participants.at({session, participant}).version;
  }
  // Every change the live state heard, described, in order.
  std::vector<std::string> HeardChanges() {
    std::vector<std::string> heard;
    for (const auto& update : live_.AnswerUpdates()) {
      for (const AnswerChange& c : update.changes) heard.push_back(Describe(c));
    }
    return heard;
  }

  // Declared before core_, so that the calls outlive the writers that report them.
  std::deque<SubmitCall> submits_;
  std::deque<BatchCall> batches_;
  std::deque<DeleteCall> deletes_;
  AnswerCore core_{store_, models_, live_, "pseudonym-key", [this] { return now_; }};
};

TEST_F(AnswerCoreTest, WritesQueuedTogetherShareOneTransaction) {
  HoldWriter();
  const int before = store_.Transactions(kTenant);
  SubmitCall& alice = Submit(Alice(), Answer("incident.triage", 1));
  SubmitCall& bob = Submit(Bob(), Answer("incident.sla", 0));
  BatchCall& carol =
      SubmitBatch(Carol(), {Answer("incident.triage", 0), Answer("incident.sla", 1)});
  ReleaseWriter();

  ASSERT_TRUE(alice.Outcome().ok()) << alice.Outcome();
  ASSERT_TRUE(bob.Outcome().ok()) << bob.Outcome();
  ASSERT_TRUE(carol.Outcome().ok()) << carol.Outcome();
  EXPECT_EQ(store_.Transactions(kTenant) - before, 1);
  EXPECT_EQ(alice.response.answer().name(), absl::StrCat(Alice(), "/answers/incident.triage"));
  EXPECT_EQ(bob.response.answer().name(), absl::StrCat(Bob(), "/answers/incident.sla"));
  ASSERT_THAT(carol.response.answers(), SizeIs(2));
  EXPECT_EQ(carol.response.answers(1).name(), absl::StrCat(Carol(), "/answers/incident.sla"));
  EXPECT_THAT(Journal(), ElementsAre("s1/alice:incident.triage=1", "s1/bob:incident.sla=0",
                                     "s1/carol:incident.sla=1", "s1/carol:incident.triage=0"));
}

TEST_F(AnswerCoreTest, InvalidWritesAreRefusedInTheirBatchAndTheValidOnesStored) {
  HoldWriter();
  const int before = store_.Transactions(kTenant);
  SubmitCall& alice = Submit(Alice(), Answer("incident.triage", 1));
  SubmitCall& bob = Submit(Bob(), Answer("incident.triage", 7));
  // One bad answer refuses the whole BatchSubmitAnswers, naming it.
  BatchCall& carol =
      SubmitBatch(Carol(), {Answer("incident.triage", 1), Answer("incident.sla", 0.5)});
  SubmitCall& dan = Submit(Dan(), Answer("incident.sla", 1));
  ReleaseWriter();

  EXPECT_TRUE(alice.Outcome().ok()) << alice.Outcome();
  EXPECT_TRUE(dan.Outcome().ok()) << dan.Outcome();
  EXPECT_EQ(bob.Outcome().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(bob.Outcome()), ElementsAre("answer.value"));
  EXPECT_THAT(DescriptionOf(bob.Outcome(), "answer.value"),
              HasSubstr("7 is not on the item's scale; allowed: 0, 1"));
  EXPECT_FALSE(bob.response.has_answer());
  EXPECT_EQ(carol.Outcome().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(carol.Outcome()), ElementsAre("answers[1].value"));
  EXPECT_THAT(DescriptionOf(carol.Outcome(), "answers[1].value"), HasSubstr("allowed: 0, 1"));
  EXPECT_THAT(carol.response.answers(), IsEmpty());

  EXPECT_EQ(store_.Transactions(kTenant) - before, 1);  // no retry: the refusals are verdicts
  EXPECT_THAT(Journal(), ElementsAre("s1/alice:incident.triage=1", "s1/dan:incident.sla=1"));
  EXPECT_EQ(RowsWritten(), 2);
  EXPECT_EQ(ParticipantVersion("s1", "bob"), 1);  // still INVITED: nothing of theirs stored
  EXPECT_EQ(ParticipantVersion("s1", "carol"), 1);
}

TEST_F(AnswerCoreTest, ABatchWhoseTransactionFailsIsRetriedOneWriteAtATime) {
  // The database refuses to commit bob's answer, and with it the whole transaction it is in
  // (after the writer has made its replies and changes for the live state).
  store_.CheckCommit([](const FakeSessionStore::TenantData& committing) {
    for (const auto& [key, row] : committing.answers) {
      if (row.participant_id == "bob") return absl::AbortedError("bob's answer breaks a rule");
    }
    return absl::OkStatus();
  });
  HoldWriter();
  const int before = store_.Transactions(kTenant);
  SubmitCall& alice = Submit(Alice(), Answer("incident.triage", 1));
  SubmitCall& bob = Submit(Bob(), Answer("incident.triage", 0));
  SubmitCall& carol = Submit(Carol(), Answer("incident.sla", 1), "r-carol");
  SubmitCall& dan = Submit(Dan(), Answer("incident.sla", 3));
  ReleaseWriter();

  EXPECT_TRUE(alice.Outcome().ok()) << alice.Outcome();
  EXPECT_TRUE(carol.Outcome().ok()) << carol.Outcome();
  EXPECT_EQ(bob.Outcome().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(bob.Outcome().message(), HasSubstr("bob's answer breaks a rule"));
  EXPECT_EQ(dan.Outcome().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(dan.Outcome()), ElementsAre("answer.value"));
  EXPECT_EQ(carol.response.answer().name(), absl::StrCat(Carol(), "/answers/incident.sla"));

  EXPECT_EQ(store_.Transactions(kTenant) - before, 1 + 4);  // the batch, then each alone
  EXPECT_THAT(Journal(), ElementsAre("s1/alice:incident.triage=1", "s1/carol:incident.sla=1"));
  EXPECT_EQ(RowsWritten(), 2);                      // the rolled-back attempt left nothing behind
  EXPECT_EQ(ParticipantVersion("s1", "alice"), 2);  // joined once
  EXPECT_EQ(ParticipantVersion("s1", "bob"), 1);
  EXPECT_THAT(Stored().replies, SizeIs(1));
  EXPECT_THAT(HeardChanges(),
              UnorderedElementsAre("alice:incident.triage=1", "carol:incident.sla=1"));
  std::vector<std::string> joined;
  for (const auto& p : live_.ParticipantUpdates()) joined.push_back(p.participant);
  EXPECT_THAT(joined, UnorderedElementsAre(Alice(), Carol()));
}

// A commit whose outcome is unknown may have stored the whole batch: nothing is run again,
// and every caller hears UNAVAILABLE (COMMIT_IN_DOUBT), to retry with its request_id.
TEST_F(AnswerCoreTest, ABatchWhoseCommitIsInDoubtIsNotRunAgain) {
  bool once = true;
  store_.CheckCommit([&once](const FakeSessionStore::TenantData& committing) {
    if (committing.answers.empty() || !std::exchange(once, false)) return absl::OkStatus();
    return CommitInDoubt("PostgreSQL commit outcome unknown: connection lost");
  });
  HoldWriter();
  const int before = store_.Transactions(kTenant);
  SubmitCall& alice = Submit(Alice(), Answer("incident.triage", 1), "r-alice");
  SubmitCall& bob = Submit(Bob(), Answer("incident.triage", 0));
  ReleaseWriter();
  for (SubmitCall* call : {&alice, &bob}) {
    EXPECT_EQ(call->Outcome().code(), absl::StatusCode::kUnavailable) << call->Outcome();
    EXPECT_EQ(ReasonOf(call->Outcome()), "COMMIT_IN_DOUBT");
  }
  EXPECT_EQ(store_.Transactions(kTenant) - before, 1) << "not run again, together or alone";
  EXPECT_THAT(Journal(), ElementsAre("s1/alice:incident.triage=1", "s1/bob:incident.triage=0"));
  // Alice's retry is answered from the record.
  SubmitCall& retry = Submit(Alice(), Answer("incident.triage", 1), "r-alice");
  EXPECT_TRUE(retry.Outcome().ok()) << retry.Outcome();
  EXPECT_THAT(Journal(), ElementsAre("s1/alice:incident.triage=1", "s1/bob:incident.triage=0"));
}

// A write whose caller stopped waiting while it was queued is refused, not run, and its
// passed deadline does not cut its batch short: the others are stored.
TEST_F(AnswerCoreTest, AWriteWhoseDeadlinePassedInTheQueueIsRefusedAndTheOthersStored) {
  HoldWriter();
  RequestContext late = Invitee(Bob());
  late.deadline = absl::Now() - absl::Seconds(1);
  SubmitCall& alice = Submit(Alice(), Answer("incident.triage", 1));
  SubmitCall& bob = SubmitAs(late, Bob(), Answer("incident.triage", 0));
  ReleaseWriter();
  EXPECT_TRUE(alice.Outcome().ok()) << alice.Outcome();
  EXPECT_EQ(bob.Outcome().code(), absl::StatusCode::kDeadlineExceeded) << bob.Outcome();
  EXPECT_THAT(Journal(), ElementsAre("s1/alice:incident.triage=1"));
}

TEST_F(AnswerCoreTest, ASecondWriteWithTheSameRequestIdInTheQueueGetsTheFirstsReply) {
  HoldWriter();
  SubmitCall& first = Submit(Alice(), Answer("incident.triage", 1), "r-1");
  SubmitCall& retry = Submit(Alice(), Answer("incident.triage", 1), "r-1");
  ReleaseWriter();

  ASSERT_TRUE(first.Outcome().ok()) << first.Outcome();
  ASSERT_TRUE(retry.Outcome().ok()) << retry.Outcome();
  EXPECT_EQ(retry.response.SerializeAsString(), first.response.SerializeAsString());
  EXPECT_EQ(first.response.answer().etag(), "v1");
  EXPECT_THAT(Journal(), ElementsAre("s1/alice:incident.triage=1"));
  EXPECT_EQ(RowsWritten(), 1);
  EXPECT_THAT(HeardChanges(), ElementsAre("alice:incident.triage=1"));
}

TEST_F(AnswerCoreTest, AWriteRefusedForItsSessionOrCallerDoesNotFailItsNeighbours) {
  HoldWriter();
  const int before = store_.Transactions(kTenant);
  SubmitCall& alice = Submit(Alice(), Answer("incident.triage", 1));
  SubmitCall& closed = Submit(Erin(), Answer("incident.triage", 1));
  SubmitCall& elsewhere = Submit(absl::StrCat(kS1, "/participants/erin"),  // erin is in s2
                                 Answer("incident.triage", 1));
  SubmitCall& impostor = SubmitAs(Invitee(Bob()), Carol(), Answer("incident.triage", 0));
  SubmitCall& dan = Submit(Dan(), Answer("incident.triage", 0));
  ReleaseWriter();

  EXPECT_TRUE(alice.Outcome().ok()) << alice.Outcome();
  EXPECT_TRUE(dan.Outcome().ok()) << dan.Outcome();
  EXPECT_EQ(closed.Outcome().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(closed.Outcome()), "STATE_CONFLICT");
  EXPECT_THAT(closed.Outcome().message(), HasSubstr("CLOSED"));
  EXPECT_EQ(elsewhere.Outcome().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(elsewhere.Outcome().message(), HasSubstr("s1/participants/erin"));
  EXPECT_EQ(impostor.Outcome().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(impostor.Outcome().message(), HasSubstr("not as " + Carol()));
  for (SubmitCall* refused : {&closed, &elsewhere, &impostor}) {
    EXPECT_FALSE(refused->response.has_answer());
  }

  EXPECT_EQ(store_.Transactions(kTenant) - before, 1);
  EXPECT_THAT(Journal(), ElementsAre("s1/alice:incident.triage=1", "s1/dan:incident.triage=0"));
  EXPECT_EQ(ParticipantVersion("s1", "carol"), 1);
  EXPECT_EQ(ParticipantVersion("s2", "erin"), 1);
}

TEST_F(AnswerCoreTest, TheLiveStateHearsEachCommittedChangeOnceAfterTheCommit) {
  api::SubmitAnswerRequest earlier;
  earlier.set_parent(Carol());
  *earlier.mutable_answer() = Answer("incident.triage", 0);
  api::SubmitAnswerResponse stored;
  ASSERT_TRUE(core_.SubmitAnswer(Invitee(Carol()), earlier, &stored).ok());
  const size_t heard_before = live_.AnswerUpdates().size();

  HoldWriter();
  SubmitCall& alice = Submit(Alice(), Answer("incident.triage", 1));
  DeleteCall& carol = Withdraw(Carol(), "incident.triage");
  SubmitCall& bob = Submit(Bob(), Answer("incident.triage", 7));
  SubmitCall& erin = Submit(Erin(), Answer("incident.triage", 1));
  ReleaseWriter();
  ASSERT_TRUE(alice.Outcome().ok()) << alice.Outcome();
  ASSERT_TRUE(carol.Outcome().ok()) << carol.Outcome();
  ASSERT_FALSE(bob.Outcome().ok());
  ASSERT_FALSE(erin.Outcome().ok());

  const std::vector<testing::FakeLiveState::AnswerUpdate> updates = live_.AnswerUpdates();
  ASSERT_THAT(updates, SizeIs(heard_before + 1));
  const testing::FakeLiveState::AnswerUpdate& update = updates.back();
  EXPECT_EQ(update.session_id, "s1");
  std::vector<std::string> changes;
  for (const AnswerChange& c : update.changes) changes.push_back(Describe(c));
  EXPECT_THAT(changes, ElementsAre("alice:incident.triage=1", "carol:incident.triage withdrawn"));
  ASSERT_THAT(update.changes, SizeIs(2));
  EXPECT_EQ(update.changes[0].seq, StoredSeq("alice", "incident.triage"));
  EXPECT_EQ(update.changes[1].seq, StoredSeq("carol", "incident.triage"));
  // Heard after the commit: what it was told of is in the record already.
  EXPECT_GE(update.committed_seq, update.changes[1].seq);
  EXPECT_GE(update.committed_seq, update.changes[0].seq);

  // The batch's announcement named both sessions; s1 is settled by its update, and s2, where
  // nothing committed, alone.
  const testing::FakeLiveState::Notice announced = live_.Announcements().back();
  EXPECT_THAT(announced.session_ids, UnorderedElementsAre("s1", "s2"));
  EXPECT_EQ(update.settle_token, announced.token);
  std::vector<std::vector<std::string>> settled;
  for (const auto& notice : live_.Settlements()) {
    if (notice.token == announced.token) settled.push_back(notice.session_ids);
  }
  EXPECT_THAT(settled, ElementsAre(ElementsAre("s2")));
}

}  // namespace
}  // namespace lagom::session
