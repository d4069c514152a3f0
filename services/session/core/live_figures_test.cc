#include "services/session/core/live_figures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace lagom::session {
namespace {

namespace type = ::lagom::type::v1;

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr auto kProvider = api::PARTICIPANT_PERSPECTIVE_PROVIDER;
constexpr auto kCustomer = api::PARTICIPANT_PERSPECTIVE_CUSTOMER;

ItemRule Rule(qapi::ItemPerspective perspective) {
  return ItemRule{.item_id = "incident.sla",
                  .area_id = "incident",
                  .perspective = perspective,
                  .scale = qapi::SCALE_LIKERT_5,
                  .values = {1, 2, 3, 4, 5}};
}

LiveAnswer Provider(std::optional<double> value) {
  return {.participant_id = "p", .perspective = kProvider, .value = value};
}

LiveAnswer Customer(const std::string& org, std::optional<double> value) {
  return {.participant_id = "c",
          .perspective = kCustomer,
          .customer_organization = org,
          .value = value};
}

// The counts of a group, in scale order.
std::vector<int> Counts(const api::GroupDistribution& group) {
  std::vector<int> counts;
  for (const api::ValueCount& c : group.counts()) counts.push_back(c.count());
  return counts;
}

TEST(ConsensusTest, FullAgreementIsOneAndAnEvenSplitOfTheExtremesIsZero) {
  const std::vector<double> scale = {1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(Consensus(scale, {0, 0, 7, 0, 0}), 1);
  EXPECT_NEAR(Consensus(scale, {4, 0, 0, 0, 4}), 0, 1e-9);
  EXPECT_DOUBLE_EQ(Consensus(scale, {0, 0, 0, 0, 0}), 1);
  EXPECT_DOUBLE_EQ(Consensus({3}, {2}), 1);
}

TEST(ConsensusTest, NeighbouringAnswersAgreeMostly) {
  // 3 and 4 once each: μ = 3.5, both are 0.5 / 4 of the width away, so
  // 1 + log2(1 - 0.125) = 1 + log2(7/8) = log2(7) - 2 ≈ 0.807.
  EXPECT_NEAR(Consensus({1, 2, 3, 4, 5}, {0, 0, 1, 1, 0}), std::log2(7.0) - 2, 1e-12);
  // Uneven scale (SAMM): 0 twice and 1 once, μ = 1/3, d = 1:
  // 1 + 2/3 log2(2/3) + 1/3 log2(1/3).
  EXPECT_NEAR(Consensus({0, 0.25, 0.5, 1}, {2, 0, 0, 1}),
              1 + 2.0 / 3 * std::log2(2.0 / 3) + 1.0 / 3 * std::log2(1.0 / 3), 1e-12);
}

TEST(DistributionTest, BothItemHasProviderAllCustomersAndEachOrganizationSorted) {
  std::vector<LiveAnswer> answers = {Provider(2),
                                     Provider(2),
                                     Provider(std::nullopt),
                                     Customer("orgs/north", 5),
                                     Customer("orgs/east", 4),
                                     Customer("orgs/north", std::nullopt)};
  api::ItemDistribution d = Distribution(Rule(qapi::ITEM_PERSPECTIVE_BOTH), 2, answers, false);
  EXPECT_EQ(d.item_id(), "incident.sla");
  EXPECT_EQ(d.round(), 2);
  ASSERT_EQ(d.groups_size(), 4);

  const api::GroupDistribution& provider = d.groups(0);
  EXPECT_EQ(provider.group().kind(), type::RESPONSE_GROUP_KIND_PROVIDER);
  EXPECT_EQ(provider.answer_count(), 2);
  EXPECT_EQ(provider.na_count(), 1);
  EXPECT_THAT(Counts(provider), ElementsAre(0, 2, 0, 0, 0));
  EXPECT_DOUBLE_EQ(provider.counts(1).value(), 2);
  EXPECT_DOUBLE_EQ(provider.mean(), 2);
  EXPECT_DOUBLE_EQ(provider.consensus(), 1);
  EXPECT_FALSE(provider.suppressed());

  const api::GroupDistribution& customers = d.groups(1);
  EXPECT_EQ(customers.group().kind(), type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  EXPECT_EQ(customers.group().customer_organization(), "");
  EXPECT_EQ(customers.answer_count(), 2);
  EXPECT_EQ(customers.na_count(), 1);
  EXPECT_THAT(Counts(customers), ElementsAre(0, 0, 0, 1, 1));
  EXPECT_DOUBLE_EQ(customers.mean(), 4.5);
  EXPECT_NEAR(customers.consensus(), std::log2(7.0) - 2, 1e-12);

  EXPECT_EQ(d.groups(2).group().kind(), type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
  EXPECT_EQ(d.groups(2).group().customer_organization(), "orgs/east");
  EXPECT_THAT(Counts(d.groups(2)), ElementsAre(0, 0, 0, 1, 0));
  EXPECT_EQ(d.groups(3).group().customer_organization(), "orgs/north");
  EXPECT_EQ(d.groups(3).answer_count(), 1);
  EXPECT_EQ(d.groups(3).na_count(), 1);
  EXPECT_DOUBLE_EQ(d.groups(3).mean(), 5);
}

TEST(DistributionTest, OneSidedItemsShowOnlyTheirSideEvenWithoutAnswers) {
  api::ItemDistribution provider_item =
      Distribution(Rule(qapi::ITEM_PERSPECTIVE_PROVIDER), 1, {}, false);
  ASSERT_EQ(provider_item.groups_size(), 1);
  EXPECT_EQ(provider_item.groups(0).group().kind(), type::RESPONSE_GROUP_KIND_PROVIDER);
  EXPECT_THAT(Counts(provider_item.groups(0)), ElementsAre(0, 0, 0, 0, 0));
  EXPECT_DOUBLE_EQ(provider_item.groups(0).mean(), 0);

  api::ItemDistribution customer_item =
      Distribution(Rule(qapi::ITEM_PERSPECTIVE_CUSTOMER), 1, {Customer("orgs/north", 3)}, false);
  ASSERT_EQ(customer_item.groups_size(), 2);
  EXPECT_EQ(customer_item.groups(0).group().kind(), type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  EXPECT_EQ(customer_item.groups(1).group().customer_organization(), "orgs/north");
}

TEST(DistributionTest, AnonymousSessionsHideGroupsOfFewerThanThree) {
  std::vector<LiveAnswer> answers = {Provider(1), Provider(2), Customer("orgs/north", 3),
                                     Customer("orgs/north", 3),
                                     Customer("orgs/east", std::nullopt)};
  api::ItemDistribution d = Distribution(Rule(qapi::ITEM_PERSPECTIVE_BOTH), 1, answers, true);
  ASSERT_EQ(d.groups_size(), 4);

  const api::GroupDistribution& provider = d.groups(0);  // two answers: hidden
  EXPECT_TRUE(provider.suppressed());
  EXPECT_EQ(provider.answer_count(), 0);
  EXPECT_EQ(provider.na_count(), 0);
  EXPECT_THAT(provider.counts(), IsEmpty());
  EXPECT_DOUBLE_EQ(provider.mean(), 0);
  EXPECT_DOUBLE_EQ(provider.consensus(), 0);

  const api::GroupDistribution& customers = d.groups(1);  // two values and an N/A: shown
  EXPECT_FALSE(customers.suppressed());
  EXPECT_EQ(customers.answer_count(), 2);
  EXPECT_EQ(customers.na_count(), 1);
  EXPECT_THAT(Counts(customers), ElementsAre(0, 0, 2, 0, 0));

  EXPECT_TRUE(d.groups(2).suppressed());  // orgs/east
  EXPECT_TRUE(d.groups(3).suppressed());  // orgs/north
}

// The live store hands over identical answers as one with a count: the figures are the same
// as for the answers one by one, the anonymous threshold included; a count of 0 is no answer.
TEST(DistributionTest, CountedAnswersWeighAsManyAsTheyStandFor) {
  auto counted = [](LiveAnswer a, int n) {
    a.count = n;
    return a;
  };
  const std::vector<LiveAnswer> one_by_one = {Provider(2),
                                              Provider(2),
                                              Provider(5),
                                              Provider(std::nullopt),
                                              Customer("orgs/north", 3),
                                              Customer("orgs/north", 3),
                                              Customer("orgs/north", 3)};
  const std::vector<LiveAnswer> as_counts = {
      counted(Provider(2), 2), Provider(5), Provider(std::nullopt),
      counted(Customer("orgs/north", 3), 3), counted(Customer("orgs/east", 1), 0)};
  for (const bool anonymous : {false, true}) {
    const ItemRule rule = Rule(qapi::ITEM_PERSPECTIVE_BOTH);
    const api::ItemDistribution expected = Distribution(rule, 1, one_by_one, anonymous);
    const api::ItemDistribution got = Distribution(rule, 1, as_counts, anonymous);
    EXPECT_EQ(got.DebugString(), expected.DebugString()) << "anonymous " << anonymous;
  }
  const api::ItemDistribution d =
      Distribution(Rule(qapi::ITEM_PERSPECTIVE_BOTH), 1, as_counts, /*anonymous=*/true);
  ASSERT_EQ(d.groups_size(), 3) << "an answer counted zero times makes no group";
  EXPECT_EQ(d.groups(0).answer_count(), 3);
  EXPECT_EQ(d.groups(0).na_count(), 1);
  EXPECT_DOUBLE_EQ(d.groups(0).mean(), 3);
  EXPECT_THAT(Counts(d.groups(0)), ElementsAre(0, 2, 0, 0, 1));
  EXPECT_FALSE(d.groups(2).suppressed()) << "three counted as one are three";
  EXPECT_EQ(d.groups(2).answer_count(), 3);
}

TEST(ProgressTest, FractionOfExpectedClampedToOne) {
  api::Progress p = ProgressOf(3, 4);
  EXPECT_EQ(p.answered_count(), 3);
  EXPECT_EQ(p.expected_count(), 4);
  EXPECT_DOUBLE_EQ(p.fraction(), 0.75);

  p = ProgressOf(5, 4);
  EXPECT_EQ(p.answered_count(), 5);
  EXPECT_DOUBLE_EQ(p.fraction(), 1);

  EXPECT_DOUBLE_EQ(ProgressOf(0, 0).fraction(), 0);
}

TEST(ProgressTest, SessionProgressPerGroupWithoutFacilitators) {
  // Provider answers 2 items (triage, sla), customers 2 (feel, sla).
  qapi::ModelContent content;
  qapi::Area* area = content.add_areas();
  area->set_id("incident");
  for (auto [id, perspective] : std::vector<std::pair<std::string, qapi::ItemPerspective>>{
           {"triage", qapi::ITEM_PERSPECTIVE_PROVIDER},
           {"feel", qapi::ITEM_PERSPECTIVE_CUSTOMER},
           {"sla", qapi::ITEM_PERSPECTIVE_BOTH}}) {
    qapi::Item* item = area->add_items();
    item->set_id(id);
    item->set_perspective(perspective);
    item->set_scale(qapi::SCALE_YES_NO);
  }
  absl::StatusOr<ModelIndex> model = ModelIndex::Build(content, {});
  ASSERT_TRUE(model.ok()) << model.status();

  std::vector<LiveParticipant> participants = {
      {"f", api::PARTICIPANT_PERSPECTIVE_FACILITATOR, "", api::PARTICIPANT_STATE_ACTIVE, 0},
      {"p1", kProvider, "", api::PARTICIPANT_STATE_ACTIVE, 1, /*present=*/true},
      {"p2", kProvider, "", api::PARTICIPANT_STATE_COMPLETED, 2},
      {"c1", kCustomer, "orgs/north", api::PARTICIPANT_STATE_INVITED, 0, /*present=*/true},
      // More answers than expected (e.g. counted before a scope change) count as complete.
      {"c2", kCustomer, "orgs/east", api::PARTICIPANT_STATE_COMPLETED, 5},
  };
  api::SessionProgress progress = SessionProgressOf(*model, participants);

  EXPECT_EQ(progress.overall().answered_count(), 5);
  EXPECT_EQ(progress.overall().expected_count(), 8);
  EXPECT_DOUBLE_EQ(progress.overall().fraction(), 5.0 / 8);
  EXPECT_EQ(progress.session(), "");
  EXPECT_EQ(progress.current_round(), 0);

  ASSERT_EQ(progress.groups_size(), 4);
  const api::GroupProgress& provider = progress.groups(0);
  EXPECT_EQ(provider.group().kind(), type::RESPONSE_GROUP_KIND_PROVIDER);
  EXPECT_EQ(provider.participant_count(), 2);
  EXPECT_EQ(provider.active_count(), 1);
  EXPECT_EQ(provider.completed_count(), 1);
  EXPECT_EQ(provider.present_count(), 1);
  EXPECT_DOUBLE_EQ(provider.progress().fraction(), 0.75);

  const api::GroupProgress& customers = progress.groups(1);
  EXPECT_EQ(customers.group().kind(), type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  EXPECT_EQ(customers.participant_count(), 2);
  EXPECT_EQ(customers.active_count(), 0);
  EXPECT_EQ(customers.completed_count(), 1);
  EXPECT_EQ(customers.present_count(), 1);
  EXPECT_EQ(customers.progress().answered_count(), 2);
  EXPECT_DOUBLE_EQ(customers.progress().fraction(), 0.5);

  EXPECT_EQ(progress.groups(2).group().customer_organization(), "orgs/east");
  EXPECT_DOUBLE_EQ(progress.groups(2).progress().fraction(), 1);
  EXPECT_EQ(progress.groups(2).present_count(), 0);
  EXPECT_EQ(progress.groups(3).group().customer_organization(), "orgs/north");
  EXPECT_EQ(progress.groups(3).present_count(), 1);
  EXPECT_DOUBLE_EQ(progress.groups(3).progress().fraction(), 0);
}

TEST(ProgressTest, SessionWithOnlyProvidersHasNoCustomerGroups) {
  qapi::ModelContent content;
  qapi::Item* item = content.add_areas()->add_items();
  content.mutable_areas(0)->set_id("a");
  item->set_id("x");
  item->set_perspective(qapi::ITEM_PERSPECTIVE_PROVIDER);
  item->set_scale(qapi::SCALE_YES_NO);
  absl::StatusOr<ModelIndex> model = ModelIndex::Build(content, {});
  ASSERT_TRUE(model.ok());

  api::SessionProgress progress =
      SessionProgressOf(*model, {{"p", kProvider, "", api::PARTICIPANT_STATE_ACTIVE, 1}});
  ASSERT_EQ(progress.groups_size(), 1);
  EXPECT_EQ(progress.groups(0).group().kind(), type::RESPONSE_GROUP_KIND_PROVIDER);
  EXPECT_DOUBLE_EQ(progress.overall().fraction(), 1);
}

}  // namespace
}  // namespace lagom::session
