#include "services/scoring/core/tally.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "services/scoring/core/ids.h"

namespace lagom::scoring {
namespace {

constexpr int kMaxListedProblems = 100;
// Added to a count, subtracts one (unsigned wrap-around): takes an earlier round's answer back.
constexpr uint32_t kTakeBack = ~uint32_t{0};
constexpr char kWhat[] = "invalid scoring input";

std::string Side(qapi::ItemPerspective perspective) {
  return std::string(
      absl::StripPrefix(qapi::ItemPerspective_Name(perspective), "ITEM_PERSPECTIVE_"));
}

std::string Side(type::Perspective perspective) {
  return std::string(absl::StripPrefix(type::Perspective_Name(perspective), "PERSPECTIVE_"));
}

std::string OrganizationText(absl::string_view organization) {
  return organization.empty() ? "no organisation" : absl::StrCat("'", organization, "'");
}

// Every problem with the answers counted; the first kMaxListedProblems kept with their field
// paths (as many as the error's details hold are listed, and the rest counted).
class Problems final {
 public:
  void Add(size_t answer, absl::string_view field, std::string description) {
    if (++count_ <= kMaxListedProblems) {
      listed_.push_back({absl::StrCat("answers[", answer, "]", field), std::move(description)});
    }
  }
  int count() const { return count_; }
  absl::Status ToStatus() && {
    const size_t not_collected = static_cast<size_t>(count_) - listed_.size();
    return ViolationsError(kWhat, std::move(listed_), kUnlistedAdvice, not_collected);
  }

 private:
  std::vector<FieldViolation> listed_;
  int count_ = 0;
};

// An answer resolved against the model: indexes instead of strings.
struct Resolved {
  int32_t item = -1;
  int32_t respondent = -1;
  int8_t value = -1;        // scale value index; −1 = N/A
  int8_t expectation = -1;  // −1 = none
};

// What the pass knows of a respondent beyond the Tally's Respondent.
struct Seen {
  type::Perspective perspective;
  absl::string_view organization;
  size_t first_answer;
};

// The one pass over the answers: resolves and checks each, and counts it into its cells, taking
// back a respondent's earlier round when a later one comes. Answers usually arrive grouped by
// respondent and in the same order for each, so the previous respondent and the item that
// followed the previous item are tried before any hash look-up.
class Counter final {
 public:
  Counter(const ScoringModel& model, absl::Span<const ScoringAnswer> answers)
      : model_(model), answers_(answers) {}

  void Run() {
    for (size_t i = 0; i < answers_.size(); ++i) {
      const int before = problems_.count();
      const ScoringAnswer& answer = answers_[i];
      Resolved r;
      r.respondent = RespondentOf(i, answer);
      r.item = ItemOf(i, answer);
      if (r.item >= 0) CheckResponse(i, answer, model_.items()[r.item], r);
      if (answer.round < 0) problems_.Add(i, ".round", "must be ≥ 0");
      if (problems_.count() == before && r.respondent >= 0) Keep(i, r);
    }
  }

  Problems& problems() { return problems_; }
  const std::vector<absl::string_view>& organizations() const { return organizations_; }
  std::vector<Respondent>& respondents() { return respondents_; }
  std::vector<int32_t>& counted() { return counted_; }
  std::vector<Cell>& cells() { return cells_; }

 private:
  int RespondentOf(size_t i, const ScoringAnswer& answer) {
    const bool provider = answer.perspective == type::PERSPECTIVE_PROVIDER;
    if (!provider && answer.perspective != type::PERSPECTIVE_CUSTOMER) {
      problems_.Add(i, ".perspective", "required: PERSPECTIVE_PROVIDER or PERSPECTIVE_CUSTOMER");
    } else if (provider && !answer.customer_organization.empty()) {
      problems_.Add(i, ".customer_organization", "only CUSTOMER answers name an organisation");
    }
    int r = last_respondent_;
    if (r < 0 || !SameId(respondents_[r].id, answer.respondent_id)) {
      if (answer.respondent_id.empty()) {
        problems_.Add(i, ".respondent_id", "required");
        return -1;
      }
      auto [it, inserted] = respondent_index_.try_emplace(answer.respondent_id,
                                                          static_cast<int>(respondents_.size()));
      r = it->second;
      if (inserted) Add(i, answer);
      last_respondent_ = r;
    }
    const Seen& seen = seen_[r];
    if (seen.perspective != answer.perspective) {
      problems_.Add(i, ".perspective",
                    absl::StrCat("respondent '", answer.respondent_id, "' answered as ",
                                 Side(seen.perspective), " in answers[", seen.first_answer, "]"));
    } else if (!provider && seen.organization != answer.customer_organization) {
      problems_.Add(i, ".customer_organization",
                    absl::StrCat("respondent '", answer.respondent_id, "' answered for ",
                                 OrganizationText(seen.organization), " in answers[",
                                 seen.first_answer, "]"));
    }
    return r;
  }

  void Add(size_t i, const ScoringAnswer& answer) {
    int group =
        answer.perspective == type::PERSPECTIVE_PROVIDER ? kProviderGroup : kAllCustomersGroup;
    if (answer.perspective == type::PERSPECTIVE_CUSTOMER && !answer.customer_organization.empty()) {
      auto [it, inserted] = organization_index_.try_emplace(
          answer.customer_organization, static_cast<int>(organizations_.size()));
      if (inserted) {
        organizations_.push_back(answer.customer_organization);
        cells_.resize(cells_.size() + model_.items().size());
      }
      group = kFirstOrganizationGroup + it->second;
    }
    respondents_.push_back({answer.respondent_id, group});  // organisations by discovery
    seen_.push_back({answer.perspective, answer.customer_organization, i});
    counted_.resize(counted_.size() + model_.items().size(), -1);
  }

  int ItemOf(size_t i, const ScoringAnswer& answer) {
    const std::vector<ItemInfo>& items = model_.items();
    // Respondents answer in much the same order: the item that followed the previous answer's
    // item last time is the likely one now.
    int& predicted = follower_[previous_item_ + 1];
    const int item = predicted >= 0 && SameId(items[predicted].id(), answer.item_id)
                         ? predicted
                         : model_.FindItem(answer.item_id);
    if (item < 0) {
      const std::string area = model_.OutOfScopeArea(answer.item_id);
      if (answer.item_id.empty()) {
        problems_.Add(i, ".item_id", "required");
      } else if (!area.empty()) {
        problems_.Add(i, ".item_id",
                      absl::StrCat("item '", answer.item_id, "' is in area '", area,
                                   "', which is not in scope (area_ids)"));
      } else {
        problems_.Add(
            i, ".item_id",
            absl::StrCat("unknown item '", answer.item_id, "' (not in the model version)"));
      }
      return -1;
    }
    predicted = item;
    previous_item_ = item;
    const ItemInfo& info = items[item];
    const bool fits = answer.perspective == type::PERSPECTIVE_PROVIDER ? info.provider_answers
                                                                       : info.customer_answers;
    if (!fits && type::Perspective_IsValid(answer.perspective) &&
        answer.perspective != type::PERSPECTIVE_UNSPECIFIED) {
      problems_.Add(i, ".perspective",
                    absl::StrCat("item '", answer.item_id, "' is answered by ",
                                 Side(info.item->perspective()), " respondents, not ",
                                 Side(answer.perspective)));
    }
    return item;
  }

  void CheckResponse(size_t i, const ScoringAnswer& answer, const ItemInfo& item, Resolved& r) {
    const ScaleInfo& scale = *item.scale;
    if (answer.value) {
      r.value = static_cast<int8_t>(scale.IndexOf(*answer.value));
      if (r.value < 0) {
        problems_.Add(
            i, ".value",
            absl::StrCat(*answer.value, " is not on the item's scale; allowed: ", scale.Allowed()));
      }
    } else if (!item.item->na_allowed()) {
      problems_.Add(i, ".not_applicable",
                    absl::StrCat("item '", item.id(), "' does not allow N/A"));
    }
    if (answer.expectation_value) {
      r.expectation = static_cast<int8_t>(scale.IndexOf(*answer.expectation_value));
      if (!item.wants_expectation) {
        problems_.Add(i, ".expectation_value",
                      absl::StrCat("item '", item.id(), "' takes no expectation value"));
      } else if (r.expectation < 0) {
        problems_.Add(i, ".expectation_value",
                      absl::StrCat(*answer.expectation_value,
                                   " is not on the item's scale; allowed: ", scale.Allowed()));
      } else if (!answer.value) {
        problems_.Add(i, ".expectation_value", "an N/A answer has no expectation value");
      }
    } else if (item.wants_expectation && answer.value) {
      // A SERVQUAL gap needs both sides of the same answer.
      problems_.Add(i, ".expectation_value",
                    absl::StrCat("required for item '", item.id(),
                                 "' (perception and expectation); allowed: ", scale.Allowed()));
    }
  }

  // A respondent's later round replaces their earlier answer to the same item; the same round
  // twice is refused, whichever rounds came in between.
  void Keep(size_t i, const Resolved& r) {
    const size_t key = static_cast<size_t>(r.respondent) * model_.items().size() + r.item;
    int32_t& slot = counted_[key];
    if (slot < 0) {
      slot = static_cast<int32_t>(i);
      Count(r, 1);
      return;
    }
    const ScoringAnswer& prior = answers_[slot];
    const ScoringAnswer& answer = answers_[i];
    // Rounds are remembered only for the items a respondent answers more than once: at the
    // second answer the one counted so far is registered, and from then on every answer.
    first_of_round_.try_emplace({key, prior.round}, slot);
    if (auto [first, inserted] =
            first_of_round_.try_emplace({key, answer.round}, static_cast<int32_t>(i));
        !inserted) {
      problems_.Add(
          i, "",
          absl::StrCat("respondent '", answer.respondent_id, "' answered item '", answer.item_id,
                       "' in round ", answer.round, " already (answers[", first->second, "])"));
    } else if (answer.round > prior.round) {
      const ScaleInfo& scale = *model_.items()[r.item].scale;
      Resolved earlier = r;
      earlier.value = static_cast<int8_t>(prior.value ? scale.IndexOf(*prior.value) : -1);
      earlier.expectation = static_cast<int8_t>(
          prior.expectation_value ? scale.IndexOf(*prior.expectation_value) : -1);
      Count(earlier, kTakeBack);
      slot = static_cast<int32_t>(i);
      Count(r, 1);
    }
  }

  // Counts the answer into its respondent's group and, for an organisation's respondent, into
  // ALL_CUSTOMERS as well (`delta` 1, or kTakeBack).
  void Count(const Resolved& r, uint32_t delta) {
    const int group = respondents_[r.respondent].group;
    const size_t items = model_.items().size();
    Add(cells_[group * items + r.item], r, delta);
    if (group >= kFirstOrganizationGroup) {
      Add(cells_[kAllCustomersGroup * items + r.item], r, delta);
    }
  }

  static void Add(Cell& cell, const Resolved& r, uint32_t delta) {
    if (r.value < 0) {
      cell.na += delta;
      return;
    }
    cell.values[r.value] += delta;
    if (r.expectation >= 0) cell.expectations[r.expectation] += delta;
  }

  const ScoringModel& model_;
  absl::Span<const ScoringAnswer> answers_;
  std::vector<Respondent> respondents_;
  std::vector<int32_t> counted_;  // as Tally::Counted
  // (respondent × item, round) → the first answer of that round, for the respondent's items
  // answered more than once.
  absl::flat_hash_map<std::pair<size_t, int>, int32_t> first_of_round_;
  // As Tally's, with organisations in order of discovery.
  std::vector<Cell> cells_ = std::vector<Cell>(kFirstOrganizationGroup * model_.items().size());
  Problems problems_;
  std::vector<Seen> seen_;
  IdMap<int> respondent_index_;
  absl::flat_hash_map<absl::string_view, int> organization_index_;
  std::vector<absl::string_view> organizations_;  // in order of discovery
  int last_respondent_ = -1;
  int previous_item_ = -1;
  std::vector<int> follower_ = std::vector<int>(model_.items().size() + 1, -1);  // by item + 1
};

}  // namespace

absl::StatusOr<Tally> Aggregate(const ScoringModel& model,
                                absl::Span<const ScoringAnswer> answers) {
  if (answers.empty()) {
    Violations v;
    v.Add("answers", "required: there is nothing to score");
    return std::move(v).ToStatus(kWhat);
  }
  Counter counter(model, answers);
  counter.Run();
  if (counter.problems().count() > 0) return std::move(counter.problems()).ToStatus();

  // Organisations in name order, so the scorecard lists them the same way every time.
  Tally tally;
  const size_t items = model.items().size();
  tally.item_count_ = static_cast<int>(items);
  tally.respondents_ = std::move(counter.respondents());
  tally.counted_ = std::move(counter.counted());
  const std::vector<absl::string_view>& found = counter.organizations();
  std::vector<int> order(found.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return found[a] < found[b]; });
  std::vector<int> group_of(kFirstOrganizationGroup + found.size());
  std::iota(group_of.begin(), group_of.begin() + kFirstOrganizationGroup, 0);
  for (size_t rank = 0; rank < order.size(); ++rank) {
    group_of[kFirstOrganizationGroup + order[rank]] =
        kFirstOrganizationGroup + static_cast<int>(rank);
    tally.organizations_.emplace_back(found[order[rank]]);
  }
  for (Respondent& respondent : tally.respondents_) respondent.group = group_of[respondent.group];
  const std::vector<Cell>& cells = counter.cells();
  tally.cells_.resize(cells.size());
  for (size_t g = 0; g < group_of.size(); ++g) {
    std::copy_n(cells.begin() + g * items, items, tally.cells_.begin() + group_of[g] * items);
  }
  return tally;
}

type::ResponseGroup Tally::GroupProto(int group) const {
  type::ResponseGroup out;
  if (group == kProviderGroup) {
    out.set_kind(type::RESPONSE_GROUP_KIND_PROVIDER);
  } else if (group == kAllCustomersGroup) {
    out.set_kind(type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  } else {
    out.set_kind(type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
    out.set_customer_organization(organizations_[group - kFirstOrganizationGroup]);
  }
  return out;
}

int Tally::FindGroup(const type::ResponseGroup& group) const {
  switch (group.kind()) {
    case type::RESPONSE_GROUP_KIND_PROVIDER:
      return kProviderGroup;
    case type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS:
      return kAllCustomersGroup;
    case type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION: {
      auto it = std::lower_bound(organizations_.begin(), organizations_.end(),
                                 group.customer_organization());
      if (it == organizations_.end() || *it != group.customer_organization()) return -1;
      return kFirstOrganizationGroup + static_cast<int>(it - organizations_.begin());
    }
    default:
      return -1;
  }
}

std::string Tally::GroupName(int group) const {
  if (group == kProviderGroup) return "PROVIDER";
  if (group == kAllCustomersGroup) return "ALL_CUSTOMERS";
  return absl::StrCat("organisation '", organizations_[group - kFirstOrganizationGroup], "'");
}

}  // namespace lagom::scoring
