// What AuthService.PublishWebhookEvent takes, which the services that hand events over keep
// to: an event past these is refused INVALID_ARGUMENT, and no retry changes that.
#ifndef LAGOM_COMMON_AUTH_WEBHOOK_LIMITS_H_
#define LAGOM_COMMON_AUTH_WEBHOOK_LIMITS_H_

#include <cstddef>

namespace lagom::auth {

// At most this many `data` entries per event, each value at most this many characters.
inline constexpr int kMaxWebhookDataEntries = 50;
inline constexpr size_t kMaxWebhookDataValueChars = 8000;

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_WEBHOOK_LIMITS_H_
