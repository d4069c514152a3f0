#include "services/session/core/answer_page.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <limits>

#include "absl/strings/escaping.h"
#include "common/list_query.h"
#include "lagom/session/v1/session.pb.h"
#include "services/session/core/session_common.h"

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

// ---------------------------------------------------------------------------------------------
// AnswerValuesPageWriter

constexpr char kNorth[] = "tenants/t1/customerOrganizations/north";

api::AnswerValue ValueOf(const AnswerRecord& r) {
  api::Answer a;
  EXPECT_TRUE(a.ParseFromString(r.body));
  api::AnswerValue v;
  v.set_item_id(r.item_id);
  if (a.response_case() == api::Answer::kValue) v.set_value(a.value());
  if (a.response_case() == api::Answer::kNotApplicable) v.set_not_applicable(a.not_applicable());
  if (a.has_expectation_value()) v.set_expectation_value(a.expectation_value());
  v.set_round(r.round);
  return v;
}

api::ParticipantAnswerValues RunOf(const std::string& participant,
                                   type::v1::Perspective perspective,
                                   const std::string& organization,
                                   const std::vector<AnswerRecord>& records) {
  api::ParticipantAnswerValues run;
  run.set_participant_id(participant);
  run.set_perspective(perspective);
  run.set_customer_organization(organization);
  for (const AnswerRecord& r : records) *run.add_answers() = ValueOf(r);
  return run;
}

api::ListAnswerValuesResponse Written(const std::vector<AnswerRecord>& records,
                                      const std::string& token) {
  AnswerValuesPageWriter writer;
  writer.Reserve(records.size());
  for (const AnswerRecord& r : records) EXPECT_TRUE(writer.Add(r.participant_id, r).ok());
  api::ListAnswerValuesResponse page;
  EXPECT_TRUE(page.ParseFromString(std::move(writer).Finish(token)));
  return page;
}

TEST(AnswerValuesPageWriterTest, EachParticipantsAnswersAreOneRunOfTheirValues) {
  api::Answer customer;
  customer.set_value(3);
  customer.set_comment("left out");
  customer.set_evidence_uri("https://example.com/e");
  customer.set_perspective(type::v1::PERSPECTIVE_CUSTOMER);
  customer.set_customer_organization(kNorth);
  customer.set_round(1);  // stored from round 1; the record's round wins
  customer.mutable_submit_time()->set_seconds(1700000000);
  api::Answer customer_na = customer;
  customer_na.set_not_applicable(true);
  api::Answer servqual;
  servqual.set_value(2.5);
  servqual.set_expectation_value(4);
  servqual.set_perspective(type::v1::PERSPECTIVE_PROVIDER);
  const std::vector<AnswerRecord> p1 = {Stored("p-1", "area.q1", 2, 41, customer),
                                        Stored("p-1", "area.q2", 1, 7, customer_na)};
  const std::vector<AnswerRecord> p2 = {
      Stored("p-2", std::string(63, 'i'), 1, 1234567890123, servqual),
      Stored("p-2", "area.q3", -1, 9, servqual)};  // a negative round, as set_round writes it
  const std::vector<AnswerRecord> p3 = {Stored("p-3", "area.q1", 0, 8, api::Answer())};
  std::vector<AnswerRecord> records = p1;
  records.insert(records.end(), p2.begin(), p2.end());
  records.insert(records.end(), p3.begin(), p3.end());

  api::ListAnswerValuesResponse expected;
  *expected.add_participants() = RunOf("p-1", type::v1::PERSPECTIVE_CUSTOMER, kNorth, p1);
  *expected.add_participants() = RunOf("p-2", type::v1::PERSPECTIVE_PROVIDER, "", p2);
  *expected.add_participants() = RunOf("p-3", type::v1::PERSPECTIVE_UNSPECIFIED, "", p3);
  expected.set_next_page_token("next-token");
  const api::ListAnswerValuesResponse page = Written(records, "next-token");
  EXPECT_TRUE(MessageDifferencer::Equals(page, expected)) << page.DebugString() << "\nwanted\n"
                                                          << expected.DebugString();
  EXPECT_EQ(page.participants(1).answers(1).round(), -1);
  EXPECT_FALSE(page.participants(2).answers(0).has_expectation_value());
  EXPECT_EQ(page.participants(2).answers(0).response_case(), api::AnswerValue::RESPONSE_NOT_SET);
}

TEST(AnswerValuesPageWriterTest, AChangeOfOrganisationOrPerspectiveStartsANewRun) {
  api::Answer north;
  north.set_value(1);
  north.set_perspective(type::v1::PERSPECTIVE_CUSTOMER);
  north.set_customer_organization(kNorth);
  api::Answer south = north;
  south.set_customer_organization("tenants/t1/customerOrganizations/south");
  api::Answer provider;
  provider.set_value(1);
  provider.set_perspective(type::v1::PERSPECTIVE_PROVIDER);
  const api::ListAnswerValuesResponse page =
      Written({Stored("p-1", "q1", 1, 1, north), Stored("p-1", "q2", 1, 2, north),
               Stored("p-1", "q3", 1, 3, south), Stored("p-1", "q4", 1, 4, provider),
               Stored("p-2", "q1", 1, 5, provider)},
              "");
  ASSERT_EQ(page.participants_size(), 4);
  EXPECT_EQ(page.participants(0).answers_size(), 2);
  EXPECT_EQ(page.participants(1).customer_organization(), south.customer_organization());
  EXPECT_EQ(page.participants(2).perspective(), type::v1::PERSPECTIVE_PROVIDER);
  EXPECT_EQ(page.participants(2).participant_id(), "p-1");
  EXPECT_EQ(page.participants(3).participant_id(), "p-2");
  EXPECT_EQ(page.next_page_token(), "");
}

TEST(AnswerValuesPageWriterTest, ReadsTheBodyAsAParserWould) {
  // Bodies that differ from a fresh serialization: a field repeated (the later wins), the
  // oneof's other field later (it wins), and a value field with another wire type (unknown).
  api::Answer first;
  first.set_value(1);
  first.set_customer_organization("tenants/t1/customerOrganizations/old");
  api::Answer second;
  second.set_not_applicable(true);
  second.set_customer_organization(kNorth);
  second.set_perspective(type::v1::PERSPECTIVE_CUSTOMER);
  AnswerRecord r = Stored("p-1", "q1", 1, 1, api::Answer());
  r.body = first.SerializeAsString() + second.SerializeAsString() +
           std::string("\x18\x05", 2);  // field 3 (value) as a varint: not the double
  const api::ListAnswerValuesResponse page = Written({r}, "");
  ASSERT_EQ(page.participants_size(), 1);
  EXPECT_EQ(page.participants(0).customer_organization(), kNorth);
  EXPECT_EQ(page.participants(0).perspective(), type::v1::PERSPECTIVE_CUSTOMER);
  EXPECT_TRUE(page.participants(0).answers(0).not_applicable());

  api::Answer parsed;  // what ListAnswers' readers see in the same body
  ASSERT_TRUE(parsed.ParseFromString(r.body));
  EXPECT_TRUE(parsed.not_applicable());
  EXPECT_EQ(parsed.customer_organization(), kNorth);
}

TEST(AnswerValuesPageWriterTest, UnreadableBodyIsDataLoss) {
  for (const std::string& body : {std::string("\x12\x7f", 2),      // item_id past the end
                                  std::string("\x52\x05\x61", 3),  // organisation past the end
                                  std::string("\x19\x00\x00", 3),  // a truncated double
                                  std::string("\x00", 1)}) {       // field number 0
    AnswerRecord broken{.participant_id = "p-1", .item_id = "q", .round = 1, .seq = 1};
    broken.body = body;
    AnswerValuesPageWriter writer;
    absl::Status s = writer.Add("p-1", broken);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << absl::CHexEscape(body);
    EXPECT_EQ(s.message(), "stored answer is unreadable");
  }
}

// Offsets in page tokens (anonymous sessions' answer pages) are bounded: a crafted one past
// any list is PAGE_TOKEN_INVALID rather than an overflow reaching PostgreSQL's OFFSET.
TEST(OffsetTokenTest, OffsetsPastAnyListAreRefused) {
  EXPECT_EQ(ParseOffsetToken(OffsetToken(500, "q"), "q"), 500u);
  EXPECT_EQ(ParseOffsetToken(OffsetToken(kMaxListOffset, "q"), "q"), size_t{kMaxListOffset});
  EXPECT_FALSE(ParseOffsetToken(OffsetToken(size_t{kMaxListOffset} + 1, "q"), "q"));
  EXPECT_FALSE(ParseOffsetToken(OffsetToken(std::numeric_limits<size_t>::max(), "q"), "q"));
  EXPECT_FALSE(ParseOffsetToken(OffsetToken(500, "q"), "another query"));
}

}  // namespace
}  // namespace lagom::session
