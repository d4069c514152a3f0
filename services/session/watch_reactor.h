// WatchSession: one ServerWriteReactor per watcher. It joins the session's stream in the
// WatchHub, sends a snapshot (or the replay after its resume cursor), then every event in
// order, each shaped for what this watcher may see; the stream ends after the session
// closes or is archived. A watcher that is behind gets only the latest of several waiting
// changes of one item's distribution. At every heartbeat the stream's credential is checked
// again; a refused one (revoked, or its participant removed) ends the stream.
#ifndef LAGOM_SERVICES_SESSION_WATCH_REACTOR_H_
#define LAGOM_SERVICES_SESSION_WATCH_REACTOR_H_

#include <grpcpp/support/server_callback.h>

#include "common/auth/call_guard.h"
#include "common/auth/rate_limiter.h"
#include "common/executor.h"
#include "common/request_context.h"
#include "lagom/session/v1/session.pb.h"
#include "services/session/core/live_state.h"
#include "services/session/core/session_common.h"
#include "services/session/core/session_store.h"
#include "services/session/live/watch_hub.h"

namespace lagom::session {

struct WatchDeps {
  SessionStore& store;
  ModelIndexCache& models;
  LiveState& live;
  WatchHubs& hubs;
  Executor& executor;
  auth::RateLimiter* limiter;  // stream caps per tenant; may be null
  // Checks each stream's credential again at every heartbeat; null: never.
  const auth::CallGuard* guard = nullptr;
};

// The stream is a raw (ByteBuffer) one: events are serialized once per replica and view (see
// live/shared_event.h), not once per watcher.
grpc::ServerWriteReactor<grpc::ByteBuffer>* StartWatch(grpc::CallbackServerContext* ctx,
                                                       const CallAdmitter& admitter,
                                                       const WatchDeps& deps,
                                                       const api::WatchSessionRequest& req);

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_WATCH_REACTOR_H_
