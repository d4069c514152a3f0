#include "services/session/core/answer_page.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "lagom/session/v1/session.pb.h"

namespace lagom::session {
namespace {

namespace api = ::lagom::session::v1;
using ::google::protobuf::util::MessageDifferencer;

constexpr char kPrefix[] = "tenants/t1/sessions/s1/participants/";

// A stored answer: the body as SubmitAnswer keeps it (no name, no etag).
AnswerRecord Stored(const std::string& participant, const std::string& item, int round, int64_t seq,
                    api::Answer body) {
  body.set_item_id(item);
  return AnswerRecord{.participant_id = participant,
                      .item_id = item,
                      .round = round,
                      .seq = seq,
                      .body = body.SerializeAsString()};
}

// The answer as the API defines it: the body with name, round and etag set.
api::Answer Expected(const AnswerRecord& r) {
  api::Answer a;
  EXPECT_TRUE(a.ParseFromString(r.body));
  a.set_name(std::string(kPrefix) + r.participant_id + "/answers/" + r.item_id);
  a.set_round(r.round);
  a.set_etag("v" + std::to_string(r.seq));
  return a;
}

TEST(AnswerPageWriterTest, PageReadsAsTheAnswersWithNameRoundAndEtag) {
  api::Answer value;
  value.set_value(3);
  value.set_comment("Grüße, \"quoted\"");
  value.set_evidence_uri("https://example.com/e");
  value.set_perspective(type::v1::PERSPECTIVE_CUSTOMER);
  value.set_customer_organization("tenants/t1/customerOrganizations/acme");
  value.set_round(1);  // stored from round 1; the record's round wins
  value.mutable_submit_time()->set_seconds(1700000000);
  api::Answer not_applicable;
  not_applicable.set_not_applicable(true);
  api::Answer servqual;
  servqual.set_value(2);
  servqual.set_expectation_value(4);
  const std::vector<AnswerRecord> records = {
      Stored("p-1", "area.q1", 2, 41, value), Stored("p-1", "area.q2", 1, 7, not_applicable),
      Stored("p-2", "a-much-longer-item-identifier", 0, 1234567890123, servqual),
      Stored("p-3", "area.q1", 1, 8, api::Answer())};

  AnswerPageWriter writer(kPrefix);
  writer.Reserve(records.size(), 100);
  for (const AnswerRecord& r : records) ASSERT_TRUE(writer.Add(r).ok());
  api::ListAnswersResponse page;
  ASSERT_TRUE(page.ParseFromString(std::move(writer).Finish("next-token")));

  api::ListAnswersResponse expected;
  for (const AnswerRecord& r : records) *expected.add_answers() = Expected(r);
  expected.set_next_page_token("next-token");
  EXPECT_TRUE(MessageDifferencer::Equals(page, expected)) << page.DebugString() << "\nwanted\n"
                                                          << expected.DebugString();
}

TEST(AnswerPageWriterTest, LastPageHasNoToken) {
  api::ListAnswersResponse page;
  ASSERT_TRUE(page.ParseFromString(AnswerPageWriter(kPrefix).Finish("")));
  EXPECT_EQ(page.answers_size(), 0);
  EXPECT_EQ(page.next_page_token(), "");
}

TEST(AnswerPageWriterTest, UnreadableBodyIsDataLoss) {
  AnswerRecord broken{.participant_id = "p-1", .item_id = "q", .round = 1, .seq = 1};
  broken.body = std::string("\x12\x7f", 2);  // item_id claims 127 bytes, has none
  AnswerPageWriter writer(kPrefix);
  absl::Status s = writer.Add(broken);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "stored answer is unreadable");
}

}  // namespace
}  // namespace lagom::session
