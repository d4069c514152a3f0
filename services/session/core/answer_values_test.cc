#include "services/session/core/answer_values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "services/session/core/fake_session_store.h"
#include "services/session/core/session_common.h"

namespace lagom::session {
namespace {

namespace auth_api = ::lagom::auth::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kTenant[] = "acme";
constexpr char kS1[] = "tenants/acme/sessions/s1";
constexpr char kNorth[] = "tenants/acme/customerOrganizations/north";
constexpr char kKey[] = "pseudonym-key";

// (participant, perspective, organisation, item, value or -1 for N/A, round): one answer as
// ListAnswerValues gives it, flattened.
using Flat = std::tuple<std::string, int, std::string, std::string, double, int>;

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(status)) fields.push_back(v.field);
  return fields;
}

class AnswerValuesTest : public ::testing::Test {
 protected:
  AnswerValuesTest() : core_(store_, kKey) {
    rc_.tenant_id = kTenant;
    rc_.principal.set_role(auth_api::PRINCIPAL_ROLE_FACILITATOR);
  }

  // Session s1 (anonymous if asked) with a provider, alice, and a customer of north, bob.
  void Seed(bool anonymous) {
    api::Session session;
    session.set_name(kS1);
    session.set_state(api::SESSION_STATE_CLOSED);
    session.set_anonymous(anonymous);
    ASSERT_TRUE(store_
                    .InTenant(rc_,
                              [&](SessionTransaction& tx) -> absl::Status {
                                if (absl::Status s = tx.Insert(SessionRecord{
                                        "s1", 1, "CLOSED", "", session.SerializeAsString()});
                                    !s.ok()) {
                                  return s;
                                }
                                for (const char* id : {"alice", "bob"}) {
                                  if (absl::Status s = tx.InsertParticipant(
                                          "s1", ParticipantRecord{id, 1, "", ""});
                                      !s.ok()) {
                                    return s;
                                  }
                                }
                                return absl::OkStatus();
                              })
                    .ok());
  }

  // Stores an answer of `participant` as SubmitAnswer does (the body without name or etag).
  void Answer(const std::string& participant, const std::string& item, int round,
              std::optional<double> value, bool withdrawn = false) {
    api::Answer body;
    body.set_item_id(item);
    if (value) {
      body.set_value(*value);
    } else {
      body.set_not_applicable(true);
    }
    body.set_comment("not for scoring");
    if (participant == "bob") {
      body.set_perspective(type::v1::PERSPECTIVE_CUSTOMER);
      body.set_customer_organization(kNorth);
    } else {
      body.set_perspective(type::v1::PERSPECTIVE_PROVIDER);
    }
    std::vector<AnswerRecord> records = {AnswerRecord{.participant_id = participant,
                                                      .item_id = item,
                                                      .round = round,
                                                      .withdrawn = withdrawn,
                                                      .body = body.SerializeAsString()}};
    ASSERT_TRUE(
        store_.InTenant(rc_, [&](SessionTransaction& tx) { return tx.WriteAnswers("s1", records); })
            .ok());
  }

  // Round 1 of every item; round `number` (2, ...) of `items`.
  void Round(int number, std::vector<std::string> items) {
    api::Round round;
    round.set_number(number);
    for (std::string& item : items) round.add_item_ids(std::move(item));
    ASSERT_TRUE(store_
                    .InTenant(rc_,
                              [&](SessionTransaction& tx) {
                                return tx.PutRound("s1", number, round.SerializeAsString());
                              })
                    .ok());
  }

  void SeedAnswers() {
    Round(1, {"q1", "q2", "q3"});
    Round(2, {"q1"});
    Answer("alice", "q1", 1, 1.0);
    Answer("alice", "q1", 2, 4.0);  // re-voted: round 2 is in force
    Answer("alice", "q2", 1, std::nullopt);
    Answer("alice", "q3", 1, 5.0, /*withdrawn=*/true);
    Answer("bob", "q1", 1, 2.0);
    Answer("bob", "q1", 2, 2.5);
    Answer("bob", "q2", 1, 3.0);
  }

  absl::StatusOr<api::ListAnswerValuesResponse> List(int page_size, const std::string& token = "",
                                                     const std::string& parent = kS1) {
    api::ListAnswerValuesRequest req;
    req.set_parent(parent);
    req.set_page_size(page_size);
    req.set_page_token(token);
    api::ListAnswerValuesResponse resp;
    if (absl::Status s = core_.ListAnswerValues(rc_, req, &resp); !s.ok()) return s;
    return resp;
  }

  // Every page, flattened; also counts the pages.
  std::vector<Flat> ListAll(int page_size, int* pages = nullptr) {
    std::vector<Flat> out;
    std::string token;
    int count = 0;
    do {
      absl::StatusOr<api::ListAnswerValuesResponse> page = List(page_size, token);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      ++count;
      for (const api::ParticipantAnswerValues& run : page->participants()) {
        for (const api::AnswerValue& a : run.answers()) {
          out.emplace_back(
              run.participant_id(), run.perspective(), run.customer_organization(), a.item_id(),
              a.response_case() == api::AnswerValue::kValue ? a.value() : -1.0, a.round());
        }
      }
      token = page->next_page_token();
    } while (!token.empty());
    if (pages != nullptr) *pages = count;
    return out;
  }

  FakeSessionStore store_;
  AnswerValuesCore core_;
  RequestContext rc_;
};

constexpr int kProvider = type::v1::PERSPECTIVE_PROVIDER;
constexpr int kCustomer = type::v1::PERSPECTIVE_CUSTOMER;

TEST_F(AnswerValuesTest, EveryAnswerInForceOnceInParticipantAndItemOrder) {
  Seed(/*anonymous=*/false);
  SeedAnswers();
  const std::vector<Flat> expected = {
      Flat{"alice", kProvider, "", "q1", 4.0, 2}, Flat{"alice", kProvider, "", "q2", -1.0, 1},
      Flat{"bob", kCustomer, kNorth, "q1", 2.5, 2}, Flat{"bob", kCustomer, kNorth, "q2", 3.0, 1}};
  int pages = 0;
  EXPECT_EQ(ListAll(0, &pages), expected);
  EXPECT_EQ(pages, 1);
  // Pages of one: a participant's run continues on the next page.
  EXPECT_EQ(ListAll(1, &pages), expected);
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(ListAll(3, &pages), expected);
  EXPECT_EQ(pages, 2);
}

// In force is what the session closes with: each item's answers in its current round. An
// answer not given again in a re-vote, or withdrawn in it, is not; nor does a withdrawn re-vote
// bring back the earlier round's answer.
TEST_F(AnswerValuesTest, OnlyAnswersOfEachItemsCurrentRoundAreInForce) {
  Seed(/*anonymous=*/false);
  Round(1, {"q1", "q2"});
  Round(2, {"q1"});
  Round(3, {"q2"});
  Answer("alice", "q1", 1, 1.0);  // not given again in round 2
  Answer("alice", "q2", 1, 2.0);
  Answer("alice", "q2", 3, 5.0, /*withdrawn=*/true);
  Answer("bob", "q1", 1, 3.0);
  Answer("bob", "q1", 2, 4.0);
  Answer("bob", "q2", 2, 1.0);  // round 2 was not q2's: a stray row is not in force either
  Answer("bob", "q2", 3, 2.0);
  const std::vector<Flat> expected = {Flat{"bob", kCustomer, kNorth, "q1", 4.0, 2},
                                      Flat{"bob", kCustomer, kNorth, "q2", 2.0, 3}};
  EXPECT_EQ(ListAll(0), expected);
  EXPECT_EQ(ListAll(1), expected);
}

TEST_F(AnswerValuesTest, OnePageHoldsEachParticipantOnce) {
  Seed(/*anonymous=*/false);
  SeedAnswers();
  absl::StatusOr<api::ListAnswerValuesResponse> page = List(0);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->participants_size(), 2);
  EXPECT_EQ(page->participants(0).participant_id(), "alice");
  EXPECT_EQ(page->participants(0).answers_size(), 2);
  EXPECT_EQ(page->participants(1).participant_id(), "bob");
  EXPECT_EQ(page->participants(1).customer_organization(), kNorth);
  EXPECT_EQ(page->next_page_token(), "");
}

TEST_F(AnswerValuesTest, AnonymousSessionsShowPseudonymsToAllButTenantAdmins) {
  Seed(/*anonymous=*/true);
  SeedAnswers();
  const std::string alice = Pseudonym(kKey, "s1", "alice");
  const std::string bob = Pseudonym(kKey, "s1", "bob");
  EXPECT_THAT(alice, StartsWith("anon-"));
  std::vector<std::string> seen;
  for (const Flat& f : ListAll(1)) seen.push_back(std::get<0>(f));
  EXPECT_THAT(seen, ElementsAre(alice, alice, bob, bob));

  rc_.principal.set_role(auth_api::PRINCIPAL_ROLE_TENANT_ADMIN);
  seen.clear();
  for (const Flat& f : ListAll(1)) seen.push_back(std::get<0>(f));
  EXPECT_THAT(seen, ElementsAre("alice", "alice", "bob", "bob"));
}

TEST_F(AnswerValuesTest, PagesHoldAtMostTenThousandAnswers) {
  Seed(/*anonymous=*/false);
  std::vector<AnswerRecord> records;
  api::Answer body;
  body.set_value(1);
  for (int i = 0; i <= 10000; ++i) {
    records.push_back(AnswerRecord{.participant_id = "alice",
                                   .item_id = absl::StrCat("q", i),
                                   .round = 1,
                                   .body = body.SerializeAsString()});
  }
  ASSERT_TRUE(
      store_.InTenant(rc_, [&](SessionTransaction& tx) { return tx.WriteAnswers("s1", records); })
          .ok());
  absl::StatusOr<api::ListAnswerValuesResponse> page = List(50000);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->participants_size(), 1);
  EXPECT_EQ(page->participants(0).answers_size(), 10000);
  EXPECT_NE(page->next_page_token(), "");
}

TEST_F(AnswerValuesTest, BadRequestsSayWhatIsWrong) {
  Seed(/*anonymous=*/false);
  SeedAnswers();
  absl::StatusOr<api::ListAnswerValuesResponse> negative = List(-1);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(negative.status()), ElementsAre("page_size"));

  absl::StatusOr<api::ListAnswerValuesResponse> not_a_session =
      List(0, "", absl::StrCat(kS1, "/participants/-"));
  EXPECT_EQ(not_a_session.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(not_a_session.status()), ElementsAre("parent"));

  absl::StatusOr<api::ListAnswerValuesResponse> forged = List(1, "forged");
  EXPECT_EQ(forged.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(forged.status()), "PAGE_TOKEN_INVALID");
  ASSERT_THAT(FieldsOf(forged.status()), ElementsAre("page_token"));
  EXPECT_THAT(ViolationsOf(forged.status())[0].description, HasSubstr("ListAnswerValues"));

  // A token is bound to the session it was issued for.
  absl::StatusOr<api::ListAnswerValuesResponse> first = List(1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(
      store_
          .InTenant(
              rc_,
              [&](SessionTransaction& tx) {
                api::Session other;
                other.set_name("tenants/acme/sessions/s2");
                return tx.Insert(SessionRecord{"s2", 1, "OPEN", "", other.SerializeAsString()});
              })
          .ok());
  absl::StatusOr<api::ListAnswerValuesResponse> elsewhere =
      List(1, first->next_page_token(), "tenants/acme/sessions/s2");
  EXPECT_EQ(ReasonOf(elsewhere.status()), "PAGE_TOKEN_INVALID");
}

TEST_F(AnswerValuesTest, AnotherTenantsOrAnUnknownSessionIsNotFound) {
  Seed(/*anonymous=*/false);
  SeedAnswers();
  EXPECT_EQ(List(0, "", "tenants/globex/sessions/s1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(List(0, "", "tenants/acme/sessions/nope").status().code(), absl::StatusCode::kNotFound);
  // The same session id in another tenant is that tenant's own (here: none).
  rc_.tenant_id = "globex";
  EXPECT_EQ(List(0, "", "tenants/globex/sessions/s1").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AnswerValuesTest, RespondentsMayNotReadTheWholeSession) {
  Seed(/*anonymous=*/false);
  SeedAnswers();
  for (auth_api::PrincipalRole role : {auth_api::PRINCIPAL_ROLE_PROVIDER_RESPONDENT,
                                       auth_api::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT}) {
    rc_.principal.set_role(role);
    absl::StatusOr<api::ListAnswerValuesResponse> refused = List(0);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << role;
  }
}

TEST_F(AnswerValuesTest, AnUnreadableStoredAnswerIsDataLoss) {
  Seed(/*anonymous=*/false);
  std::vector<AnswerRecord> records = {AnswerRecord{
      .participant_id = "alice", .item_id = "q1", .round = 1, .body = std::string("\x12\x7f", 2)}};
  ASSERT_TRUE(
      store_.InTenant(rc_, [&](SessionTransaction& tx) { return tx.WriteAnswers("s1", records); })
          .ok());
  EXPECT_EQ(List(0).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace lagom::session
