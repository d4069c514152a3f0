#include "services/session/core/model_index.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "common/scales.h"

namespace lagom::session {
namespace {

namespace api = ::lagom::session::v1;
namespace type = ::lagom::type::v1;

constexpr size_t kMaxCommentLength = 2000;
constexpr size_t kMaxEvidenceUriLength = 2000;

std::vector<double> ValuesOf(const qapi::Item& item) {
  // Items without level descriptors still have the values their scale defines.
  if (item.level_descriptors().empty()) {
    const absl::Span<const double> values = ScaleValues(item.scale());
    return std::vector<double>(values.begin(), values.end());
  }
  std::vector<double> values;
  for (const qapi::LevelDescriptor& level : item.level_descriptors()) {
    values.push_back(level.value());
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

bool OnScale(const ItemRule& rule, double value) {
  return std::any_of(rule.values.begin(), rule.values.end(),
                     [value](double v) { return std::abs(v - value) <= kValueTolerance; });
}

// "0, 0.25, 0.5, 1": StrCat's shortest form of each double.
std::string Allowed(const ItemRule& rule) { return absl::StrJoin(rule.values, ", "); }

std::string ItemSide(qapi::ItemPerspective perspective) {
  return std::string(
      absl::StripPrefix(qapi::ItemPerspective_Name(perspective), "ITEM_PERSPECTIVE_"));
}

std::string ParticipantSide(api::ParticipantPerspective perspective) {
  return std::string(
      absl::StripPrefix(api::ParticipantPerspective_Name(perspective), "PARTICIPANT_PERSPECTIVE_"));
}

void CheckValue(const ItemRule& rule, double value, const std::string& field, Violations& v) {
  if (!OnScale(rule, value)) {
    v.Add(field, absl::StrCat(value, " is not on the item's scale; allowed: ", Allowed(rule)));
  }
}

// The response itself (value or N/A) and the SERVQUAL expectation beside it.
void CheckResponse(const ItemRule& rule, const api::Answer& answer, const std::string& path,
                   Violations& v) {
  switch (answer.response_case()) {
    case api::Answer::kValue:
      CheckValue(rule, answer.value(), path + ".value", v);
      break;
    case api::Answer::kNotApplicable:
      if (!answer.not_applicable()) {
        v.Add(path + ".not_applicable", "must be true when set");
      } else if (!rule.na_allowed) {
        v.Add(path + ".not_applicable",
              absl::StrCat("item '", rule.item_id, "' does not allow N/A"));
      }
      break;
    default:
      v.Add(path + ".value",
            absl::StrCat("required: a value of the item's scale (allowed: ", Allowed(rule), ")",
                         rule.na_allowed ? " or not_applicable" : ""));
  }
  const std::string expectation = path + ".expectation_value";
  if (answer.has_expectation_value()) {
    if (!rule.wants_expectation) {
      v.Add(expectation, absl::StrCat("item '", rule.item_id, "' takes no expectation value"));
    } else if (answer.response_case() == api::Answer::kNotApplicable) {
      // Scoring refuses it too: stored, it would stop the session from being scored.
      v.Add(expectation, "an N/A answer has no expectation value");
    } else {
      CheckValue(rule, answer.expectation_value(), expectation, v);
    }
  } else if (rule.wants_expectation && answer.has_value()) {
    // A SERVQUAL gap needs both sides; an N/A answer has neither.
    v.Add(expectation, absl::StrCat("required for item '", rule.item_id,
                                    "' (perception and expectation); allowed: ", Allowed(rule)));
  }
}

void CheckEvidenceUri(const std::string& uri, const std::string& field, Violations& v) {
  if (uri.empty()) return;
  const bool http = (absl::StartsWith(uri, "http://") && uri.size() > 7) ||
                    (absl::StartsWith(uri, "https://") && uri.size() > 8);
  if (!http) {
    v.Add(field, "must be an http:// or https:// URI");
  } else if (Utf8Length(uri) > kMaxEvidenceUriLength) {
    v.Add(field, absl::StrCat("at most ", kMaxEvidenceUriLength, " characters"));
  } else if (std::optional<std::string> control = ControlCharacterIn(uri)) {
    v.Add(field, *std::move(control));
  }
}

}  // namespace

absl::StatusOr<ModelIndex> ModelIndex::Build(const qapi::ModelContent& content,
                                             const api::SessionScope& scope) {
  std::vector<std::string> model_area_ids;
  for (const qapi::Area& area : content.areas()) model_area_ids.push_back(area.id());

  Violations v;
  absl::flat_hash_set<std::string> chosen;
  for (int i = 0; i < scope.area_ids_size(); ++i) {
    const std::string& id = scope.area_ids(i);
    if (std::find(model_area_ids.begin(), model_area_ids.end(), id) == model_area_ids.end()) {
      v.Add(absl::StrCat("session.scope.area_ids[", i, "]"),
            absl::StrCat("unknown area '", id,
                         "'; the model's areas: ", absl::StrJoin(model_area_ids, ", ")));
    }
    chosen.insert(id);
  }

  ModelIndex index;
  for (const qapi::Area& area : content.areas()) {
    // Items of out-of-scope areas are kept too, so an answer to one is told apart from an
    // answer to an item the model does not have; Find hides them.
    const bool in_scope = chosen.empty() || chosen.contains(area.id());
    if (!in_scope && !area.skippable()) {
      v.Add("session.scope.area_ids",
            absl::StrCat("area '", area.id(), "' is not skippable and must be in scope"));
    }
    if (in_scope) {
      index.areas_.push_back({area.id(), area.lineage_id().empty() ? area.id() : area.lineage_id(),
                              area.default_target_score()});
    }
    for (const qapi::Item& item : area.items()) {
      index.items_[item.id()] = ItemRule{
          .item_id = item.id(),
          .area_id = area.id(),
          .perspective = item.perspective(),
          .scale = item.scale(),
          .values = ValuesOf(item),
          .na_allowed = item.na_allowed(),
          .wants_expectation = item.servqual_aspect() == qapi::SERVQUAL_ASPECT_BOTH,
      };
      if (in_scope) index.order_.push_back(item.id());
    }
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid session scope");
  return index;
}

const ItemRule* ModelIndex::Find(const std::string& item_id) const {
  auto it = items_.find(item_id);
  if (it == items_.end()) return nullptr;
  const std::string& area_id = it->second.area_id;
  const bool in_scope =
      std::any_of(areas_.begin(), areas_.end(), [&](const AreaInfo& a) { return a.id == area_id; });
  return in_scope ? &it->second : nullptr;
}

bool ModelIndex::Answers(api::ParticipantPerspective perspective,
                         qapi::ItemPerspective item_perspective) {
  switch (perspective) {
    case api::PARTICIPANT_PERSPECTIVE_PROVIDER:
      return item_perspective == qapi::ITEM_PERSPECTIVE_PROVIDER ||
             item_perspective == qapi::ITEM_PERSPECTIVE_BOTH;
    case api::PARTICIPANT_PERSPECTIVE_CUSTOMER:
      return item_perspective == qapi::ITEM_PERSPECTIVE_CUSTOMER ||
             item_perspective == qapi::ITEM_PERSPECTIVE_BOTH;
    default:
      return false;
  }
}

void ModelIndex::CheckAnswer(api::ParticipantPerspective perspective, const api::Answer& answer,
                             const std::string& path, Violations& v) const {
  // The item this participant may answer, or nullptr after saying why not.
  auto answerable_rule = [&]() -> const ItemRule* {
    const std::string field = path + ".item_id";
    const std::string& id = answer.item_id();
    if (perspective == api::PARTICIPANT_PERSPECTIVE_FACILITATOR) {
      v.Add(field, "facilitators do not answer items");
    } else if (id.empty()) {
      v.Add(field, "required");
    } else if (!items_.contains(id)) {
      v.Add(field, absl::StrCat("unknown item '", id, "' (not in the session's model version)"));
    } else if (const ItemRule* rule = Find(id); rule == nullptr) {
      v.Add(field, absl::StrCat("item '", id, "' is not in the session's scope"));
    } else if (!Answers(perspective, rule->perspective)) {
      v.Add(field, absl::StrCat("item '", id, "' is answered by ", ItemSide(rule->perspective),
                                " respondents, not ", ParticipantSide(perspective)));
    } else {
      return rule;
    }
    return nullptr;
  };
  if (const ItemRule* rule = answerable_rule()) CheckResponse(*rule, answer, path, v);
  CheckText(v, path + ".comment", answer.comment(), kMaxCommentLength, false);
  CheckEvidenceUri(answer.evidence_uri(), path + ".evidence_uri", v);
}

std::vector<std::string> ModelIndex::ExpectedItems(api::ParticipantPerspective perspective) const {
  std::vector<std::string> expected;
  for (const std::string& id : order_) {
    if (Answers(perspective, items_.at(id).perspective)) expected.push_back(id);
  }
  return expected;
}

std::vector<type::AreaTarget> ModelIndex::EffectiveTargets(
    const std::vector<type::AreaTarget>& tenant_targets,
    const std::vector<type::AreaTarget>& session_overrides) const {
  auto find = [](const std::vector<type::AreaTarget>& targets, const std::string& area_id) {
    return std::find_if(targets.begin(), targets.end(),
                        [&](const type::AreaTarget& t) { return t.area_id() == area_id; });
  };
  std::vector<type::AreaTarget> effective;
  for (const AreaInfo& area : areas_) {
    type::AreaTarget& target = effective.emplace_back();
    target.set_area_id(area.id);
    // Tenant settings apply to every model, so they name areas by lineage, not by id.
    if (auto s = find(session_overrides, area.id); s != session_overrides.end()) {
      target.set_target_score(s->target_score());
      target.set_source(type::TARGET_SOURCE_SESSION);
    } else if (auto t = find(tenant_targets, area.lineage_id); t != tenant_targets.end()) {
      target.set_target_score(t->target_score());
      target.set_source(type::TARGET_SOURCE_TENANT);
    } else {
      target.set_target_score(area.default_target);
      target.set_source(type::TARGET_SOURCE_MODEL_DEFAULT);
    }
  }
  return effective;
}

}  // namespace lagom::session
