// The webhook events a recorded scorecard produces (issue 8), written to the reporting outbox
// in the transaction that first records it: one scorecard.ready, then one improvement.proposed
// for each of the top kMaxProposedImprovements ranked improvements. An ITSM platform opens a
// problem or change record from an improvement.proposed event alone: it carries a title, a
// description with the rationale, the service, a priority and links back (docs/webhooks.md maps
// the fields to ServiceNow and Jira Service Management).
#ifndef LAGOM_SERVICES_REPORTING_CORE_WEBHOOK_EVENTS_H_
#define LAGOM_SERVICES_REPORTING_CORE_WEBHOOK_EVENTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "lagom/scoring/v1/scorecard.pb.h"
#include "services/reporting/core/scorecard_store.h"

namespace lagom::reporting {

// The top of the ranked list becomes records in an ITSM queue; the whole list stays in the
// scorecard and its report. A handful per assessment is what a team can act on before the
// next one.
inline constexpr int kMaxProposedImprovements = 5;

// An improvement's priority on the 1-5 scale ServiceNow and most ITSM tools share
// (1 critical ... 5 planning), with the impact and urgency (1-3) that give it in ServiceNow's
// default priority matrix, and Jira's priority name. The rule: rank 1-3 → 2 (high), rank
// 4-6 → 3 (moderate), later → 4 (low); a quick win goes one level up, never above 2: a
// self-assessment finding is never an outage.
struct ProposalPriority {
  int priority = 4;
  int impact = 3;
  int urgency = 2;
  std::string jira;  // "High", "Medium", "Low"
};
ProposalPriority PriorityOf(int rank, bool quick_win);

// The outbox rows for `scorecard` (as recorded: name and create_time set) of `tenant`;
// `service`, when known, is the catalogue entry of the scope's only service.
std::vector<OutboxEvent> ScorecardWebhookEvents(const std::string& tenant,
                                                const scoring::v1::Scorecard& scorecard,
                                                const std::optional<CatalogEntry>& service = {});

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_CORE_WEBHOOK_EVENTS_H_
