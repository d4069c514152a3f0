// Webhooks (issue 8): a tenant registers HTTPS endpoints for events, and Lagom POSTs each event
// to them, signed, retried and logged. This header holds the pure part (signing, the retry
// schedule, endpoint validation); the design of the whole is here because this is where it
// starts. docs/webhooks.md is the integrator's side of it.
//
// Who owns what. The questionnaire service owns endpoints and deliveries, beside tenant
// settings and API keys: it is already the tenant's administration service (TENANT_ADMIN
// manages the rest of the tenant there), and endpoints hold a secret that belongs with the other
// credentials. Its schema gets two tables: `webhooks` (the endpoints) and `webhook_deliveries`
// (one row per event and endpoint: the outbox and the delivery log at once).
//
// How events get there. Producers (session: session.opened and session.closed; reporting:
// scorecard.ready and improvement.proposed) do NOT write into the questionnaire's schema: each
// service keeps its own schema and migrations. A producer writes the event to its own outbox in
// the transaction that caused it (like session's `session.closed` outbox) and its relay calls
// an internal RPC on the questionnaire service, role SERVICE only, idempotent on the event id.
// That RPC fans the event out, in one transaction, into one `webhook_deliveries` row per ACTIVE
// endpoint of the tenant subscribed to its type; none subscribed = nothing stored. So an event
// is never lost across a crash of either side: until the fan-out commits the producer's outbox
// retries, and after it the delivery rows are in PostgreSQL. A shared outbox table written by
// every service was the alternative; it would couple every service to one schema and its RLS.
//
// Delivery. A worker in the questionnaire process claims due rows with FOR UPDATE SKIP LOCKED
// and a lease (next_attempt_time moved past the lease, as the session outbox relay does), so
// replicas never deliver one row at once and a replica killed mid-delivery leaves the row to be
// claimed again. It POSTs the body with libcurl, stamps the attempt (time, HTTP status or
// transport error), and then: 2xx → SUCCEEDED; anything else → retried after RetryDelay
// (10 s doubling to 1 h); once the next attempt would come more than kGiveUpAfter (24 h) after
// the event was created, or after as many attempts as the schedule makes in that time (a clock
// ahead of ours must not keep a delivery retrying) → FAILED. Delivery is at least once: receivers
// deduplicate by the event id (`Lagom-Event-Id` header and `name` in the body).
//
// The request. POST, `Content-Type: application/json`, body = protobuf JSON of a small
// WebhookEvent message: {"name": "tenants/acme/webhookEvents/<id>", "type": "session.closed",
// "createTime": "...", "resource": "tenants/acme/sessions/s1", "data": {...}} where data holds
// the event's fields (the resource's names, never answers or personal data). Headers:
//   Lagom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//   Lagom-Event-Id: <id>      Lagom-Event-Type: <type>
// Signed over the timestamp too, so a receiver can refuse replays older than a few minutes. The
// secret (whsec_...) is returned once, at creation; it is stored as is, since signing needs it
// (unlike API keys, which are stored hashed).
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_CORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_CORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/status.h"

namespace lagom::questionnaire::webhooks {

inline constexpr char kSignatureHeader[] = "Lagom-Signature";
inline constexpr char kEventIdHeader[] = "Lagom-Event-Id";
inline constexpr char kEventTypeHeader[] = "Lagom-Event-Type";

// Event types a webhook may subscribe to, in the order the docs list them.
inline constexpr const char* kEventTypes[] = {"session.opened", "session.closed", "scorecard.ready",
                                              "improvement.proposed"};
bool IsKnownEventType(absl::string_view type);

// Retry schedule: 10 s after the first failed attempt, doubling, at most 1 h.
inline constexpr absl::Duration kFirstRetryDelay = absl::Seconds(10);
inline constexpr absl::Duration kMaxRetryDelay = absl::Hours(1);
// A delivery still failing this long after its event was created is FAILED.
inline constexpr absl::Duration kGiveUpAfter = absl::Hours(24);
// A producer's event time may be at most this far ahead of the questionnaire service's clock
// (clocks drift); an event from further ahead is refused.
inline constexpr absl::Duration kMaxEventClockSkew = absl::Minutes(5);

// `failed_attempts` >= 1: the delay before the next attempt.
absl::Duration RetryDelay(int failed_attempts);
// How many attempts the schedule makes within kGiveUpAfter of the first (32): the most any
// delivery gets, so that it ends even when its event's time lies ahead of the clock.
int MaxAttempts();
// When to try again after `failed_attempts` failures, or nullopt: give up (FAILED) once the
// next attempt would come more than kGiveUpAfter after the event, or after MaxAttempts().
std::optional<absl::Time> NextAttemptTime(int failed_attempts, absl::Time event_create_time,
                                          absl::Time now);

// Whether an HTTP status counts as delivered (any 2xx).
bool IsDelivered(int http_status);

// Lower-case hex of HMAC-SHA256(key, message).
std::string HmacSha256Hex(absl::string_view key, absl::string_view message);
// The Lagom-Signature header value for `body` sent at `t`.
std::string SignatureHeaderValue(absl::string_view secret, absl::Time t, absl::string_view body);
// What a receiver does (the docs show it in other languages): OK when `header` holds a v1
// signature of `body` by `secret` made at most `tolerance` before or after `now`; otherwise
// UNAUTHENTICATED saying what is wrong.
absl::Status VerifySignature(absl::string_view secret, absl::string_view header,
                             absl::string_view body, absl::Time now,
                             absl::Duration tolerance = absl::Minutes(5));

// A new endpoint secret: "whsec_" and 32 random bytes, base64url.
std::string GenerateSecret();

// The endpoint's fields, checked before anything is stored. Each violation names its path
// under `prefix` (e.g. "webhook.url", "webhook.event_types[1]"). The URL must be https://, or
// http:// to a literal loopback address (IsLoopbackLiteral: local receivers, tests); a port,
// if given, 1-65535; no user info, no fragment. A host that is a literal address in a refused
// range (address_policy.h) is refused unless `allow_private_networks` (then loopback http://
// receivers work).
std::vector<FieldViolation> ValidateEndpoint(absl::string_view prefix, absl::string_view url,
                                             const std::vector<std::string>& event_types,
                                             bool allow_private_networks = false);

}  // namespace lagom::questionnaire::webhooks

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_CORE_H_
