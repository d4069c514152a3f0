// What a session needs to know about its pinned model version, indexed for answering: which
// items are in the session's scope, who answers each, which values its scale allows, whether
// N/A is allowed; and the targets in force per area. Built once per (session, content hash)
// and shared read-only across threads.
#ifndef LAGOM_SERVICES_SESSION_CORE_MODEL_INDEX_H_
#define LAGOM_SERVICES_SESSION_CORE_MODEL_INDEX_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/resource_util.h"
#include "lagom/questionnaire/v1/model.pb.h"
#include "lagom/session/v1/resources.pb.h"
#include "lagom/type/v1/assessment.pb.h"

namespace lagom::session {

namespace qapi = ::lagom::questionnaire::v1;

struct ItemRule {
  std::string item_id;
  std::string area_id;
  qapi::ItemPerspective perspective = qapi::ITEM_PERSPECTIVE_UNSPECIFIED;
  qapi::Scale scale = qapi::SCALE_UNSPECIFIED;
  // The level descriptors' values, ascending: the only values an answer may carry.
  std::vector<double> values;
  bool na_allowed = false;
  // SERVQUAL_ASPECT_BOTH items take an expectation_value beside the (perception) value.
  bool wants_expectation = false;
};

class ModelIndex final {
 public:
  // Items of the areas in `scope.area_ids` (every area when empty). An area id in scope that
  // the model does not have, or a non-skippable area left out, is INVALID_ARGUMENT naming
  // `session.scope.area_ids` and the model's area ids.
  static absl::StatusOr<ModelIndex> Build(const qapi::ModelContent& content,
                                          const ::lagom::session::v1::SessionScope& scope);

  // nullptr when the item is not in the model or not in the session's scope.
  const ItemRule* Find(const std::string& item_id) const;

  // Whether a participant of `perspective` answers items of `item_perspective`
  // (PROVIDER: PROVIDER and BOTH items; CUSTOMER: CUSTOMER and BOTH; FACILITATOR: none).
  static bool Answers(::lagom::session::v1::ParticipantPerspective perspective,
                      qapi::ItemPerspective item_perspective);

  // Adds a violation for everything wrong with `answer` given by a participant of
  // `perspective`, under `path` (e.g. "answer" or "answers[3]"): item_id missing, unknown,
  // out of scope or of the other perspective (naming the perspective); no response; a value
  // not on the scale (naming the allowed values, e.g. "0, 1, 2, 3, 4, 5"); not_applicable
  // false or not allowed; expectation_value on an item without one or off the scale, or
  // missing where required; comment over 2000 characters; evidence_uri not http(s) or over
  // 2000 characters.
  void CheckAnswer(::lagom::session::v1::ParticipantPerspective perspective,
                   const ::lagom::session::v1::Answer& answer, const std::string& path,
                   Violations& v) const;

  // Items in scope a participant of `perspective` is expected to answer, in model order.
  std::vector<std::string> ExpectedItems(
      ::lagom::session::v1::ParticipantPerspective perspective) const;

  // Every item id in scope, in model order.
  const std::vector<std::string>& items() const { return order_; }

  // The target in force for every area in scope: the session's override (area id), else the
  // tenant's (area lineage id), else the model default; with its source.
  std::vector<::lagom::type::v1::AreaTarget> EffectiveTargets(
      const std::vector<::lagom::type::v1::AreaTarget>& tenant_targets,
      const std::vector<::lagom::type::v1::AreaTarget>& session_overrides) const;

 private:
  struct AreaInfo {
    std::string id;
    std::string lineage_id;
    double default_target = 0;
  };
  absl::flat_hash_map<std::string, ItemRule> items_;
  std::vector<std::string> order_;
  std::vector<AreaInfo> areas_;  // in scope, model order
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_MODEL_INDEX_H_
