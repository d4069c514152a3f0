#include "services/session/core/live_figures.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace lagom::session {
namespace {

namespace type = ::lagom::type::v1;

// Same tolerance as answer validation, so every accepted value lands in its bucket.
constexpr double kValueTolerance = 1e-9;

type::ResponseGroup Group(type::ResponseGroupKind kind, const std::string& organization = "") {
  type::ResponseGroup group;
  group.set_kind(kind);
  group.set_customer_organization(organization);
  return group;
}

api::GroupDistribution GroupOf(const ItemRule& rule, type::ResponseGroup group,
                               const std::vector<const LiveAnswer*>& answers, bool anonymous) {
  api::GroupDistribution out;
  *out.mutable_group() = std::move(group);
  std::vector<int> counts(rule.values.size(), 0);
  int answer_count = 0;
  int na_count = 0;
  double sum = 0;
  for (const LiveAnswer* answer : answers) {
    const int n = answer->count;
    if (!answer->value) {
      na_count += n;
      continue;
    }
    answer_count += n;
    sum += *answer->value * n;
    for (size_t i = 0; i < rule.values.size(); ++i) {
      if (std::abs(rule.values[i] - *answer->value) <= kValueTolerance) counts[i] += n;
    }
  }
  // Too few respondents would let people guess who answered what: reveal nothing at all.
  if (anonymous && answer_count + na_count < kMinAnonymousGroup) {
    out.set_suppressed(true);
    return out;
  }
  out.set_answer_count(answer_count);
  out.set_na_count(na_count);
  for (size_t i = 0; i < rule.values.size(); ++i) {
    api::ValueCount* count = out.add_counts();
    count->set_value(rule.values[i]);
    count->set_count(counts[i]);
  }
  out.set_mean(answer_count > 0 ? sum / answer_count : 0);
  out.set_consensus(Consensus(rule.values, counts));
  return out;
}

// Participants and answers of one group, accumulated into its progress.
void Add(api::GroupProgress& group, const LiveParticipant& p, int expected) {
  group.set_participant_count(group.participant_count() + 1);
  if (p.state == api::PARTICIPANT_STATE_ACTIVE) group.set_active_count(group.active_count() + 1);
  if (p.state == api::PARTICIPANT_STATE_COMPLETED) {
    group.set_completed_count(group.completed_count() + 1);
  }
  if (p.present) group.set_present_count(group.present_count() + 1);
  api::Progress& progress = *group.mutable_progress();
  // Clamped per participant so one over-counting participant cannot hide another's gap.
  progress.set_answered_count(progress.answered_count() + std::clamp(p.answered, 0, expected));
  progress.set_expected_count(progress.expected_count() + expected);
}

void Finish(api::Progress& progress) {
  progress = ProgressOf(progress.answered_count(), progress.expected_count());
}

}  // namespace

api::ItemDistribution Distribution(const ItemRule& rule, int round,
                                   const std::vector<LiveAnswer>& answers, bool anonymous) {
  std::vector<const LiveAnswer*> provider;
  std::vector<const LiveAnswer*> customers;
  std::map<std::string, std::vector<const LiveAnswer*>> by_organization;  // sorted by name
  for (const LiveAnswer& answer : answers) {
    if (answer.count <= 0) continue;  // stands for no one
    if (answer.perspective == api::PARTICIPANT_PERSPECTIVE_PROVIDER) {
      provider.push_back(&answer);
    } else if (answer.perspective == api::PARTICIPANT_PERSPECTIVE_CUSTOMER) {
      customers.push_back(&answer);
      if (!answer.customer_organization.empty()) {
        by_organization[answer.customer_organization].push_back(&answer);
      }
    }
  }

  api::ItemDistribution out;
  out.set_item_id(rule.item_id);
  out.set_round(round);
  if (ModelIndex::Answers(api::PARTICIPANT_PERSPECTIVE_PROVIDER, rule.perspective)) {
    *out.add_groups() =
        GroupOf(rule, Group(type::RESPONSE_GROUP_KIND_PROVIDER), provider, anonymous);
  }
  if (ModelIndex::Answers(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, rule.perspective)) {
    *out.add_groups() =
        GroupOf(rule, Group(type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS), customers, anonymous);
    for (const auto& [organization, group_answers] : by_organization) {
      *out.add_groups() =
          GroupOf(rule, Group(type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION, organization),
                  group_answers, anonymous);
    }
  }
  return out;
}

api::Progress ProgressOf(int answered, int expected) {
  api::Progress progress;
  progress.set_answered_count(answered);
  progress.set_expected_count(expected);
  progress.set_fraction(
      expected > 0 ? static_cast<double>(std::clamp(answered, 0, expected)) / expected : 0);
  return progress;
}

api::SessionProgress SessionProgressOf(const ModelIndex& model,
                                       const std::vector<LiveParticipant>& participants) {
  const int provider_expected =
      static_cast<int>(model.ExpectedItems(api::PARTICIPANT_PERSPECTIVE_PROVIDER).size());
  const int customer_expected =
      static_cast<int>(model.ExpectedItems(api::PARTICIPANT_PERSPECTIVE_CUSTOMER).size());

  api::GroupProgress overall;
  std::optional<api::GroupProgress> provider;
  std::optional<api::GroupProgress> customers;
  std::map<std::string, api::GroupProgress> by_organization;  // sorted by name
  for (const LiveParticipant& p : participants) {
    if (p.perspective == api::PARTICIPANT_PERSPECTIVE_PROVIDER) {
      if (!provider) provider.emplace();
      Add(*provider, p, provider_expected);
      Add(overall, p, provider_expected);
    } else if (p.perspective == api::PARTICIPANT_PERSPECTIVE_CUSTOMER) {
      if (!customers) customers.emplace();
      Add(*customers, p, customer_expected);
      Add(overall, p, customer_expected);
      if (!p.customer_organization.empty()) {
        Add(by_organization[p.customer_organization], p, customer_expected);
      }
    }
  }

  api::SessionProgress out;
  Finish(*overall.mutable_progress());
  *out.mutable_overall() = overall.progress();
  auto emit = [&out](api::GroupProgress group, type::ResponseGroup which) {
    *group.mutable_group() = std::move(which);
    Finish(*group.mutable_progress());
    *out.add_groups() = std::move(group);
  };
  if (provider) emit(*provider, Group(type::RESPONSE_GROUP_KIND_PROVIDER));
  if (customers) emit(*customers, Group(type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS));
  for (const auto& [organization, group] : by_organization) {
    emit(group, Group(type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION, organization));
  }
  return out;
}

}  // namespace lagom::session
