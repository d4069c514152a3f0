#include "services/scoring/core/scoring_model.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lagom::scoring {
namespace {

std::string ModelAreaIds(const qapi::ModelContent& model) {
  return absl::StrJoin(model.areas(), ", ",
                       [](std::string* out, const qapi::Area& a) { out->append(a.id()); });
}

bool InUnitInterval(double v) { return v >= 0 && v <= 1; }  // false for NaN

// "a, b": the ids of the model's areas in scope.
std::string InScopeAreaIds(const qapi::ModelContent& model, const std::vector<bool>& in_scope) {
  std::vector<absl::string_view> ids;
  for (int a = 0; a < model.areas_size(); ++a) {
    if (in_scope[a]) ids.push_back(model.areas(a).id());
  }
  return absl::StrJoin(ids, ", ");
}

void CheckTargetSource(type::TargetSource source, const std::string& path, Violations& v) {
  if (type::TargetSource_IsValid(source)) return;
  v.Add(path, absl::StrCat(source,
                           " is not a target source; allowed: TARGET_SOURCE_MODEL_DEFAULT, "
                           "TARGET_SOURCE_TENANT, TARGET_SOURCE_SESSION, or "
                           "TARGET_SOURCE_UNSPECIFIED (read as TARGET_SOURCE_SESSION)"));
}

void CheckOptions(const ScoringOptions& options, Violations& v) {
  if (options.min_respondents < 1) {
    v.Add("options.min_respondents", absl::StrCat(options.min_respondents, " must be at least 1"));
  }
  if (!InUnitInterval(options.min_response_rate)) {
    v.Add("options.min_response_rate", absl::StrCat(options.min_response_rate, " is outside 0–1"));
  }
  if (!InUnitInterval(options.good_enough_tolerance)) {
    v.Add("options.good_enough_tolerance",
          absl::StrCat(options.good_enough_tolerance, " is outside 0–1"));
  }
  if (options.max_improvements < 0) {
    v.Add("options.max_improvements", "must be ≥ 0 (0 lists every candidate)");
  }
}

void CheckExpectedRespondents(const std::vector<sapi::ExpectedRespondents>& expected,
                              Violations& v) {
  // Each group's first entry, by (kind, customer_organization): one look-up per entry, however
  // many there are.
  absl::flat_hash_map<std::pair<int, absl::string_view>, size_t> first_of_group;
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::string path = absl::StrCat("expected_respondents[", i, "]");
    const type::ResponseGroup& group = expected[i].group();
    CheckResponseGroup(group, path + ".group", v);
    if (expected[i].invited_count() < 0) {
      v.Add(path + ".invited_count", absl::StrCat(expected[i].invited_count(), " must be ≥ 0"));
    }
    auto [first, inserted] =
        first_of_group.try_emplace({group.kind(), group.customer_organization()}, i);
    if (!inserted) {
      v.Add(path + ".group",
            absl::StrCat("the same group as expected_respondents[", first->second, "]"));
    }
  }
}

}  // namespace

void CheckResponseGroup(const type::ResponseGroup& group, const std::string& path, Violations& v) {
  const bool organization = group.kind() == type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION;
  if (group.kind() == type::RESPONSE_GROUP_KIND_UNSPECIFIED ||
      !type::ResponseGroupKind_IsValid(group.kind())) {
    v.Add(path + ".kind",
          "required: RESPONSE_GROUP_KIND_PROVIDER, RESPONSE_GROUP_KIND_ALL_CUSTOMERS or "
          "RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION");
  } else if (organization == group.customer_organization().empty()) {
    v.Add(path + ".customer_organization",
          organization ? "required for RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION"
                       : "set only for RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION");
  }
}

absl::StatusOr<ScoringModel> ScoringModel::Build(const ScoringInput& input) {
  const qapi::ModelContent& model = input.model;
  Violations v;
  CheckOptions(input.options, v);
  CheckExpectedRespondents(input.expected_respondents, v);

  absl::flat_hash_map<absl::string_view, int> model_areas;  // id → index in the model
  for (int a = 0; a < model.areas_size(); ++a) {
    if (!model_areas.emplace(model.areas(a).id(), a).second) {
      v.Add(absl::StrCat("model.areas[", a, "].id"),
            absl::StrCat("area id '", model.areas(a).id(), "' is used twice"));
    }
  }
  std::vector<bool> in_scope(model.areas_size(), input.area_ids.empty());
  for (size_t i = 0; i < input.area_ids.size(); ++i) {
    auto it = model_areas.find(input.area_ids[i]);
    if (it == model_areas.end()) {
      v.Add(absl::StrCat("area_ids[", i, "]"),
            absl::StrCat("unknown area '", input.area_ids[i],
                         "'; the model's areas: ", ModelAreaIds(model)));
    } else {
      in_scope[it->second] = true;
    }
  }

  // Targets by model area index, with their position in `targets` for messages.
  absl::flat_hash_map<int, size_t> target_of;
  for (size_t i = 0; i < input.targets.size(); ++i) {
    const type::AreaTarget& target = input.targets[i];
    const std::string path = absl::StrCat("targets[", i, "]");
    auto it = model_areas.find(target.area_id());
    if (target.area_id().empty()) {
      v.Add(path + ".area_id", "required");
    } else if (it == model_areas.end()) {
      v.Add(path + ".area_id", absl::StrCat("unknown area '", target.area_id(),
                                            "'; the model's areas: ", ModelAreaIds(model)));
    } else if (!in_scope[it->second]) {
      v.Add(path + ".area_id", absl::StrCat("area '", target.area_id(),
                                            "' is not in scope (area_ids); the areas in scope: ",
                                            InScopeAreaIds(model, in_scope)));
    } else if (auto [prior, inserted] = target_of.emplace(it->second, i); !inserted) {
      v.Add(path + ".area_id",
            absl::StrCat("area '", target.area_id(), "' already has a target (targets[",
                         prior->second, "])"));
    }
    CheckTargetSource(target.source(), path + ".source", v);
    if (!InUnitInterval(target.target_score())) {
      v.Add(path + ".target_score",
            absl::StrCat(target.target_score(),
                         " is outside 0–1; targets are on the normalised area-score scale "
                         "(maturity 3 of 0–5 is 0.6, Likert 4 of 1–5 is 0.75)"));
    }
  }

  ScoringModel index;
  index.default_language_ =
      model.default_language_tag().empty() ? "en" : model.default_language_tag();
  absl::flat_hash_map<absl::string_view, std::string> item_paths;  // every item id → its path
  for (int a = 0; a < model.areas_size(); ++a) {
    const qapi::Area& area = model.areas(a);
    AreaInfo info;
    info.area = &area;
    info.lineage_id = area.lineage_id().empty() ? area.id() : area.lineage_id();
    if (auto t = target_of.find(a); t != target_of.end()) {
      info.target = input.targets[t->second];
      if (info.target.source() == type::TARGET_SOURCE_UNSPECIFIED) {
        info.target.set_source(type::TARGET_SOURCE_SESSION);
      }
    } else {
      info.target.set_area_id(area.id());
      info.target.set_target_score(area.default_target_score());
      info.target.set_source(type::TARGET_SOURCE_MODEL_DEFAULT);
      if (in_scope[a] && !InUnitInterval(area.default_target_score())) {
        v.Add(absl::StrCat("model.areas[", a, "].default_target_score"),
              absl::StrCat(area.default_target_score(), " is outside 0–1"));
      }
    }
    info.samm_only = area.items_size() > 0;
    for (int i = 0; i < area.items_size(); ++i) {
      const qapi::Item& item = area.items(i);
      const std::string path = absl::StrCat("model.areas[", a, "].items[", i, "]");
      if (auto [prior, inserted] = item_paths.emplace(item.id(), path); !inserted) {
        v.Add(path + ".id",
              absl::StrCat("item id '", item.id(), "' is used twice (also ", prior->second, ")"));
        continue;
      }
      if (!in_scope[a]) {
        index.out_of_scope_.emplace(item.id(), area.id());
        continue;
      }
      ItemInfo it;
      it.item = &item;
      it.area = static_cast<int>(index.areas_.size());
      it.scale = ScaleOf(item.scale());
      if (it.scale == nullptr) {
        v.Add(path + ".scale",
              absl::StrCat("scale ", item.scale(),
                           " cannot be scored; allowed: SCALE_MATURITY_0_5, SCALE_SAMM_4, "
                           "SCALE_LIKERT_5, SCALE_YES_NO"));
      }
      if (!(item.weight() == 0 ||
            (item.weight() >= kMinItemWeight && item.weight() <= kMaxItemWeight))) {  // NaN too
        v.Add(path + ".weight",
              absl::StrCat(item.weight(), " is outside the allowed range: a number from ",
                           kMinItemWeight, " to ", kMaxItemWeight,
                           ", or 0 for the default weight 1"));
      }
      it.weight = item.weight() > 0 ? item.weight() : 1;
      it.lineage_id = item.lineage_id().empty() ? item.id() : item.lineage_id();
      it.provider_answers = item.perspective() == qapi::ITEM_PERSPECTIVE_PROVIDER ||
                            item.perspective() == qapi::ITEM_PERSPECTIVE_BOTH;
      it.customer_answers = item.perspective() == qapi::ITEM_PERSPECTIVE_CUSTOMER ||
                            item.perspective() == qapi::ITEM_PERSPECTIVE_BOTH;
      if (!it.provider_answers && !it.customer_answers) {
        v.Add(path + ".perspective",
              "required: ITEM_PERSPECTIVE_PROVIDER, ITEM_PERSPECTIVE_CUSTOMER or "
              "ITEM_PERSPECTIVE_BOTH");
      }
      it.wants_expectation = item.servqual_aspect() == qapi::SERVQUAL_ASPECT_BOTH;
      it.gap_dimension = item.servqual_dimension();
      info.samm_only =
          info.samm_only && item.scale() == qapi::SCALE_SAMM_4 && item.has_samm_position();
      index.item_index_.emplace(item.id(), static_cast<int>(index.items_.size()));
      info.items.push_back(static_cast<int>(index.items_.size()));
      index.items_.push_back(std::move(it));
    }
    if (in_scope[a]) index.areas_.push_back(std::move(info));
  }
  if (index.items_.empty() && v.empty()) {
    v.Add(input.area_ids.empty() ? "model.areas" : "area_ids", "no items in scope to score");
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid scoring input");

  // Pairs join one PROVIDER and one CUSTOMER item (the questionnaire validates that); the
  // provider half's gap counts towards the customer half's SERVQUAL dimension.
  absl::flat_hash_map<absl::string_view, int> first_of_pair;
  for (int i = 0; i < static_cast<int>(index.items_.size()); ++i) {
    ItemInfo& item = index.items_[i];
    const std::string& pair = item.item->pair_id();
    if (pair.empty() || item.item->perspective() == qapi::ITEM_PERSPECTIVE_BOTH) continue;
    auto [it, inserted] = first_of_pair.emplace(pair, i);
    if (inserted) continue;
    ItemInfo& other = index.items_[it->second];
    if (other.partner >= 0 || other.item->perspective() == item.item->perspective()) continue;
    item.partner = it->second;
    other.partner = i;
    ItemInfo& provider = item.provider_answers ? item : other;
    const ItemInfo& customer = item.provider_answers ? other : item;
    if (customer.gap_dimension != qapi::SERVQUAL_DIMENSION_UNSPECIFIED) {
      provider.gap_dimension = customer.gap_dimension;
    }
  }
  return index;
}

int ScoringModel::FindArea(absl::string_view id) const {
  for (size_t a = 0; a < areas_.size(); ++a) {
    if (areas_[a].id() == id) return static_cast<int>(a);
  }
  return -1;
}

std::string ScoringModel::OutOfScopeArea(absl::string_view item_id) const {
  auto it = out_of_scope_.find(item_id);
  return it == out_of_scope_.end() ? "" : std::string(it->second);
}

std::string ScoringModel::AreaIds() const {
  return absl::StrJoin(areas_, ", ",
                       [](std::string* out, const AreaInfo& a) { out->append(a.id()); });
}

}  // namespace lagom::scoring
