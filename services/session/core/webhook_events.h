// The webhook events a session's transitions produce (issue 8): session.opened when it goes
// OPEN, session.closed when it goes CLOSED, each written to the outbox for the "webhooks"
// consumer in the transition's own transaction and handed to the questionnaire service by
// that consumer's relay (common/auth/webhook_event_consumer.h). The data names the session and
// its model and counts; never answers or respondents (docs/webhooks.md lists the fields).
#ifndef LAGOM_SERVICES_SESSION_CORE_WEBHOOK_EVENTS_H_
#define LAGOM_SERVICES_SESSION_CORE_WEBHOOK_EVENTS_H_

#include <string>

#include "absl/time/time.h"
#include "lagom/session/v1/resources.pb.h"
#include "services/session/core/session_store.h"

namespace lagom::session {

// The outbox row of `type` ("session.opened" or "session.closed") for session `s` (already in
// its new state) with id `session_id` in `tenant`, happening at `when`. `final_answer_count`
// is set for session.closed only (< 0: left out).
OutboxEvent SessionWebhookEvent(const std::string& tenant, const std::string& session_id,
                                const v1::Session& s, const std::string& type, absl::Time when,
                                int final_answer_count = -1);

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_WEBHOOK_EVENTS_H_
