// One watch event as every watcher of a replica shares it: parsed once from the session's
// stream, and serialized once for each way a watcher may be shown it, instead of copied,
// shaped and serialized for every watcher. 500 watchers of one session at 200 answers a second
// are 100 000 stream writes a second; copying the distribution message for each of them was
// most of the session service's time (allocation, then serialization).
#ifndef LAGOM_SERVICES_SESSION_LIVE_SHARED_EVENT_H_
#define LAGOM_SERVICES_SESSION_LIVE_SHARED_EVENT_H_

#include <grpcpp/support/byte_buffer.h>

#include <array>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "lagom/session/v1/session.pb.h"

namespace lagom::session {

namespace api = ::lagom::session::v1;

class SharedEvent final {
 public:
  // The ways a watcher may be shown an event (the watch reactor decides which applies).
  enum class View {
    kAsIs,
    kRevealed,              // the item's distribution marked revealed
    kDistributionWithheld,  // the distribution left out: a respondent, before it is revealed
    kIdentityWithheld,      // the participant's name, email and principal left out
  };
  static constexpr size_t kViews = 4;

  // `event` with its cursor set; an event without an event_time gets the current time.
  explicit SharedEvent(api::WatchSessionResponse event);

  const api::WatchSessionResponse& event() const { return event_; }

  // The event as `view` shows it, serialized once and then shared: the bytes are not copied.
  grpc::ByteBuffer Encoded(View view) const;

  // What `view` changes in a message.
  static void Apply(View view, api::WatchSessionResponse& event);

 private:
  const api::WatchSessionResponse event_;
  mutable absl::Mutex mu_;
  mutable std::array<std::optional<grpc::ByteBuffer>, kViews> encoded_ ABSL_GUARDED_BY(mu_);
};

// A message of the watch stream, serialized for a raw (ByteBuffer) stream write.
grpc::ByteBuffer EncodeWatchEvent(const api::WatchSessionResponse& event);

// The fields of a participant that identify them, cleared.
void WithholdIdentity(api::Participant& p);

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_LIVE_SHARED_EVENT_H_
