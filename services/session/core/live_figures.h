// Live figures of a session from its current answers: per-item distributions per respondent
// group and progress per participant and group. Pure functions, shared by the live state
// (Redis) and its rebuild from PostgreSQL so both compute the same thing.
#ifndef LAGOM_SERVICES_SESSION_CORE_LIVE_FIGURES_H_
#define LAGOM_SERVICES_SESSION_CORE_LIVE_FIGURES_H_

#include <optional>
#include <string>
#include <vector>

#include "common/consensus.h"  // the distributions' consensus measure
#include "lagom/session/v1/resources.pb.h"
#include "services/session/core/model_index.h"

namespace lagom::session {

namespace api = ::lagom::session::v1;

// One participant's current answer to one item, as far as the figures need it; or, with
// `count`, that many participants' identical answers (none at all when it is 0).
struct LiveAnswer {
  std::string participant_id;
  api::ParticipantPerspective perspective = api::PARTICIPANT_PERSPECTIVE_UNSPECIFIED;
  std::string customer_organization;  // CUSTOMER participants
  std::optional<double> value;        // nullopt = N/A
  int count = 1;
};

// Who takes part, for the progress figures.
struct LiveParticipant {
  std::string participant_id;
  api::ParticipantPerspective perspective = api::PARTICIPANT_PERSPECTIVE_UNSPECIFIED;
  std::string customer_organization;
  api::ParticipantState state = api::PARTICIPANT_STATE_UNSPECIFIED;
  int answered = 0;      // items answered (incl. N/A) in their current round
  bool present = false;  // watching or answering in the last minute
};

// Minimum respondents per group shown in anonymous sessions.
inline constexpr int kMinAnonymousGroup = 3;

// The distribution of `answers` (to `rule`'s item, round `round`) for the groups PROVIDER,
// ALL_CUSTOMERS and each customer organisation present (sorted by name), in that order.
// Groups with no participants of their kind are left out, except PROVIDER and ALL_CUSTOMERS
// when the item is answered by that side. With `anonymous`, a group with fewer than
// kMinAnonymousGroup answers (value or N/A) has suppressed = true and no counts, mean or
// consensus.
api::ItemDistribution Distribution(const ItemRule& rule, int round,
                                   const std::vector<LiveAnswer>& answers, bool anonymous);

// Progress of a participant: answered of expected items.
api::Progress ProgressOf(int answered, int expected);

// Session progress: overall (every PROVIDER and CUSTOMER participant; facilitators excluded)
// and per group PROVIDER, ALL_CUSTOMERS and each customer organisation (sorted). expected
// counts come from `model.ExpectedItems(perspective).size()`.
api::SessionProgress SessionProgressOf(const ModelIndex& model,
                                       const std::vector<LiveParticipant>& participants);

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_LIVE_FIGURES_H_
