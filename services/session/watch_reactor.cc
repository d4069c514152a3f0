#include "services/session/watch_reactor.h"

#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "common/unary.h"
#include "services/session/live/redis_live_state.h"
#include "services/session/live/watch_queue.h"

namespace lagom::session {
namespace {

// A watcher that fell this far behind gets a fresh snapshot instead of the backlog.
constexpr size_t kMaxQueued = 1000;

// What one watcher may see.
struct Viewer {
  bool respondent = false;  // only revealed distributions, no other identities
  bool admin = false;       // sees identities even in anonymous sessions
  std::string participant;  // a respondent's own participant name
  bool anonymous = false;
};

// Whether `v` may not know who `p` is.
bool HidesIdentity(const Viewer& v, const api::Participant& p) {
  return v.respondent ? p.name() != v.participant : (v.anonymous && !v.admin);
}

void Redact(const Viewer& v, api::Participant& p) {
  if (HidesIdentity(v, p)) WithholdIdentity(p);
}

class WatchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                           public WatchHub::Watcher {
 public:
  WatchReactor(const WatchDeps& deps, grpc::CallbackServerContext* ctx,
               const api::WatchSessionRequest& request, RequestContext rc, std::string session_id,
               int64_t resume_cursor)
      : deps_(deps),
        ctx_(ctx),
        request_(request),
        rc_(std::move(rc)),
        session_id_(std::move(session_id)),
        key_(RedisLiveState::EventsKey(rc_.tenant_id, session_id_)),
        resume_cursor_(resume_cursor) {
    deps_.executor.Schedule([this] { Begin(); });
  }

  void Deliver(std::shared_ptr<const SharedEvent> event) override {
    absl::MutexLock lock(&mu_);
    if (joining_) {
      // Begin has not queued the replay (or snapshot) yet: this newer event waits behind it.
      early_.push_back(std::move(event));
      return;
    }
    EnqueueShared(*event);
  }

  void Resync(int64_t cursor) override {
    absl::MutexLock lock(&mu_);
    if (joining_) {
      resync_after_join_ = cursor;
      return;
    }
    RequestSnapshot(cursor);
  }

  void Heartbeat(int64_t cursor) override {
    MarkPresent();
    {
      absl::MutexLock lock(&mu_);
      if (deps_.guard != nullptr && !finished_ && !rechecking_) {
        rechecking_ = true;
        ++pending_work_;
        deps_.executor.Schedule([this] { Recheck(); });
      }
    }
    api::WatchSessionResponse event;
    event.set_cursor(cursor);
    *event.mutable_heartbeat()->mutable_server_time() = ToProto(absl::Now());
    absl::MutexLock lock(&mu_);
    // While joining, a keep-alive at the stream's end would overtake the replay.
    if (queue_.empty() && !joining_) {
      Enqueue(WatchQueue::Entry{.cursor = cursor, .bytes = EncodeWatchEvent(event)});
    }
  }

  void Drain() override {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    // What is still queued is not lost: the client resumes after the last cursor it got.
    draining_ = true;
    queue_.Clear();
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      if (!finished_) Finish(grpc::Status::CANCELLED);
      finished_ = true;
      return;
    }
    WriteNext();
  }

  // The client went away or its deadline passed: the stream ends now (or when the write in
  // flight fails), not at the next event or heartbeat, so its slot, its place in the hub and
  // the session's keeping go at once.
  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    if (finished_ || writing_) return;
    finished_ = true;
    Finish(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    // Begin and snapshot work scheduled before Finish hold no reference once they have run
    // (Begin may still be joining the hub when a cancelled stream is done).
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](int* pending) { return *pending == 0; }, &pending_work_));
    }
    if (joined_) {
      deps_.hubs.ForSession(session_id_).Leave(key_, this);
      deps_.live.NotWatching(rc_, session_id_);
    }
    if (deps_.limiter != nullptr && stream_taken_) deps_.limiter->ReleaseStream(rc_.tenant_id);
    delete this;
  }

  void TakeStream() { stream_taken_ = true; }

 private:
  void Begin() {
    absl::Status started = [&]() -> absl::Status {
      // Who is watching, and the session as they may see it.
      absl::StatusOr<LiveSession> live = ReadSession();
      if (!live.ok()) return live.status();
      {
        absl::MutexLock lock(&mu_);
        joining_ = true;
      }
      absl::StatusOr<WatchHub::Joined> joined =
          deps_.hubs.ForSession(session_id_).Join(key_, resume_cursor_, this);
      if (joined.ok()) deps_.live.Watching(rc_, *live);
      absl::MutexLock lock(&mu_);
      joining_ = false;
      if (!joined.ok()) return joined.status();
      joined_ = true;
      // The hub may deliver newer events as soon as Join returns; they go after the replay or
      // the snapshot, so the stream's cursors only grow.
      if (joined->replayed) {
        for (const std::shared_ptr<const SharedEvent>& event : joined->replay) {
          EnqueueShared(*event);
        }
      } else {
        RequestSnapshot(joined->cursor);
      }
      for (const std::shared_ptr<const SharedEvent>& event : early_) EnqueueShared(*event);
      early_.clear();
      if (resync_after_join_ > 0) RequestSnapshot(resync_after_join_);
      MarkPresent();
      return absl::OkStatus();
    }();
    if (!started.ok()) {
      absl::MutexLock lock(&mu_);
      if (!finished_) Finish(ToGrpcStatus(started));
      finished_ = true;
    }
    absl::MutexLock lock(&mu_);
    --pending_work_;
  }

  // The credential the stream was opened with, checked again (not counted as a call): a
  // revoked invitation or API key, a removed participant's invite token (their invitations go
  // with them) or a role that lost the permission ends the stream with the refusal a new call
  // would get, and a credential that now acts in another role or as another participant ends
  // it PERMISSION_DENIED (what the stream shows was shaped for the old one). A token that
  // stops working because the session closed does not: that stream ends with the close
  // event. Other failures (an unreachable directory) leave it running.
  void Recheck() {
    absl::StatusOr<RequestContext> again = deps_.guard->Readmit(*ctx_, request_);
    std::optional<absl::Status> end;
    if (!again.ok() &&
        (absl::IsUnauthenticated(again.status()) || absl::IsPermissionDenied(again.status()))) {
      if (!SessionEnded()) end = again.status();
    } else if (again.ok() && (again->principal.role() != rc_.principal.role() ||
                              again->principal.participant() != rc_.principal.participant() ||
                              again->principal.subject() != rc_.principal.subject())) {
      end = Error(absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
                  "the credential this stream was opened with now acts in another role or as "
                  "another participant; watch again to see the session as it allows");
    }
    absl::MutexLock lock(&mu_);
    rechecking_ = false;
    --pending_work_;
    if (!end || finished_) return;
    queue_.Clear();
    end_with_ = ToGrpcStatus(*end);
    WriteNext();
  }

  // Whether the session is CLOSED or ARCHIVED; also when that cannot be read now (the stream
  // is left running rather than ended by a passing failure).
  bool SessionEnded() {
    api::SessionState state = api::SESSION_STATE_UNSPECIFIED;
    absl::Status read = deps_.store.InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
      absl::StatusOr<std::pair<SessionRecord, api::Session>> s =
          lagom::session::ReadSession(tx, rc_, session_id_);
      if (!s.ok()) return s.status();
      state = s->second.state();
      return absl::OkStatus();
    });
    return !read.ok() || state == api::SESSION_STATE_CLOSED || state == api::SESSION_STATE_ARCHIVED;
  }

  // A respondent watching is present; the live store is written off the hub's thread.
  void MarkPresent() {
    const std::string& participant = rc_.principal.participant();
    if (rc_.principal.credential_kind() != auth::v1::CREDENTIAL_KIND_INVITE_TOKEN ||
        participant.empty()) {
      return;
    }
    deps_.executor.Schedule(
        [live = &deps_.live, rc = rc_, session = session_id_,
         id = participant.substr(participant.rfind('/') + 1)] { live->Seen(rc, session, {id}); });
  }

  absl::StatusOr<LiveSession> ReadSession() {
    LiveSession live;
    absl::Status read = deps_.store.InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
      absl::StatusOr<LiveSession> s = ReadLiveSession(tx, rc_, deps_.models, session_id_);
      if (!s.ok()) return s.status();
      if (absl::Status part = CheckRespondentTakesPart(tx, rc_, session_id_, s->session.name());
          !part.ok()) {
        return part;
      }
      live = *std::move(s);
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
    const auth::v1::Principal& p = rc_.principal;
    absl::MutexLock lock(&mu_);
    viewer_.respondent = IsRespondent(rc_);
    viewer_.admin = p.role() == auth::v1::PRINCIPAL_ROLE_TENANT_ADMIN;
    viewer_.anonymous = live.session.anonymous();
    if (p.credential_kind() == auth::v1::CREDENTIAL_KIND_INVITE_TOKEN) {
      viewer_.participant = p.participant();
    }
    return live;
  }

  // Queues a snapshot at `cursor` ahead of everything not yet sent.
  void RequestSnapshot(int64_t cursor) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // A finished stream schedules nothing: OnDone may already have waited for its work and be
    // about to delete it (the hub calls Resync until Leave).
    if (finished_) return;
    queue_.Clear();
    snapshot_pending_ = true;
    ++pending_work_;
    deps_.executor.Schedule([this, cursor] {
      absl::StatusOr<api::WatchSessionResponse> snapshot = BuildSnapshot(cursor);
      absl::MutexLock lock(&mu_);
      --pending_work_;
      snapshot_pending_ = false;
      if (!snapshot.ok()) {
        if (!finished_) Finish(ToGrpcStatus(snapshot.status()));
        finished_ = true;
        return;
      }
      // Events that arrived while it was being built follow it, unless the session has closed:
      // then the snapshot is the last thing the stream sends.
      queue_.PushFront(WatchQueue::Entry{.cursor = snapshot->cursor(),
                                         .bytes = EncodeWatchEvent(*snapshot),
                                         .ends_stream = closed_});
      WriteNext();
    });
  }

  absl::StatusOr<api::WatchSessionResponse> BuildSnapshot(int64_t cursor) {
    api::WatchSessionResponse out;
    out.set_cursor(cursor);
    *out.mutable_event_time() = ToProto(absl::Now());
    api::SessionSnapshot& snap = *out.mutable_snapshot();
    LiveSession live;
    absl::Status read = deps_.store.InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
      absl::StatusOr<LiveSession> s = ReadLiveSession(tx, rc_, deps_.models, session_id_);
      if (!s.ok()) return s.status();
      live = *std::move(s);
      absl::StatusOr<std::vector<ParticipantRecord>> people = tx.ListParticipants(session_id_);
      if (!people.ok()) return people.status();
      for (const ParticipantRecord& r : *people) {
        api::Participant p;
        if (!p.ParseFromString(r.body)) return absl::DataLossError("unreadable participant");
        p.set_etag(EtagOf(r.version));
        *snap.add_participants() = std::move(p);
      }
      absl::StatusOr<std::vector<std::string>> rounds = tx.ListRounds(session_id_);
      if (!rounds.ok()) return rounds.status();
      for (const std::string& body : *rounds) {
        if (!snap.add_rounds()->ParseFromString(body)) {
          return absl::DataLossError("unreadable round");
        }
      }
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
    *snap.mutable_session() = live.session;
    snap.mutable_progress()->set_session(live.session.name());
    snap.mutable_progress()->set_state(live.session.state());
    snap.mutable_progress()->set_current_round(snap.rounds_size());
    if (live.model) {
      absl::StatusOr<api::SessionProgress> progress = deps_.live.Progress(rc_, live);
      if (!progress.ok()) return progress.status();
      progress->set_session(live.session.name());
      progress->set_state(live.session.state());
      progress->set_current_round(snap.rounds_size());
      *snap.mutable_progress() = *std::move(progress);
      absl::StatusOr<std::vector<api::ItemDistribution>> distributions =
          deps_.live.Distributions(rc_, live, live.model->items());
      if (!distributions.ok()) return distributions.status();
      for (api::ItemDistribution& d : *distributions) *snap.add_distributions() = std::move(d);
    }
    absl::MutexLock lock(&mu_);
    revealed_.clear();
    for (const api::Round& r : snap.rounds()) {
      for (const std::string& item : r.revealed_item_ids()) revealed_.insert({item, r.number()});
    }
    ShapeSnapshot(out);
    closed_ = live.session.state() == api::SESSION_STATE_CLOSED ||
              live.session.state() == api::SESSION_STATE_ARCHIVED;
    return out;
  }

  // Shapes a snapshot for this watcher.
  void ShapeSnapshot(api::WatchSessionResponse& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    api::SessionSnapshot& s = *event.mutable_snapshot();
    for (api::Participant& p : *s.mutable_participants()) Redact(viewer_, p);
    auto* ds = s.mutable_distributions();
    ds->erase(std::remove_if(ds->begin(), ds->end(),
                             [&](const api::ItemDistribution& d) { return !Visible(d); }),
              ds->end());
    for (api::ItemDistribution& d : *ds) {
      if (revealed_.count({d.item_id(), d.round()})) d.set_revealed(true);
    }
  }

  bool Visible(const api::ItemDistribution& d) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !viewer_.respondent || d.revealed() || revealed_.count({d.item_id(), d.round()});
  }

  // How this watcher is shown `event`; notes what the event changes in what it may see.
  SharedEvent::View ViewOf(const api::WatchSessionResponse& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    using View = SharedEvent::View;
    switch (event.event_case()) {
      case api::WatchSessionResponse::kItemDistributionChanged: {
        const api::ItemDistribution& d = event.item_distribution_changed().distribution();
        if (!Visible(d)) return View::kDistributionWithheld;
        return revealed_.count({d.item_id(), d.round()}) ? View::kRevealed : View::kAsIs;
      }
      case api::WatchSessionResponse::kParticipantJoined:
        return HidesIdentity(viewer_, event.participant_joined().participant())
                   ? View::kIdentityWithheld
                   : View::kAsIs;
      case api::WatchSessionResponse::kParticipantCompleted:
        return HidesIdentity(viewer_, event.participant_completed().participant())
                   ? View::kIdentityWithheld
                   : View::kAsIs;
      case api::WatchSessionResponse::kItemRevealed: {
        const api::ItemDistribution& d = event.item_revealed().distribution();
        revealed_.insert({d.item_id(), d.round()});
        return View::kAsIs;
      }
      case api::WatchSessionResponse::kSessionStateChanged:
        viewer_.anonymous = event.session_state_changed().session().anonymous();
        return View::kAsIs;
      default:
        return View::kAsIs;
    }
  }

  void EnqueueShared(const SharedEvent& shared) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const api::WatchSessionResponse& event = shared.event();
    WatchQueue::Entry out{.cursor = event.cursor(), .bytes = shared.Encoded(ViewOf(event))};
    if (event.has_item_distribution_changed()) {
      const api::ItemDistribution& d = event.item_distribution_changed().distribution();
      out.distribution.emplace(d.item_id(), d.round());
    }
    if (event.has_session_state_changed()) {
      const api::SessionState state = event.session_state_changed().session().state();
      out.ends_stream = state == api::SESSION_STATE_CLOSED || state == api::SESSION_STATE_ARCHIVED;
    }
    Enqueue(std::move(out));
  }

  void Enqueue(WatchQueue::Entry out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || draining_) return;
    if (queue_.size() >= kMaxQueued && !snapshot_pending_) {
      RequestSnapshot(out.cursor);
      return;
    }
    queue_.Push(std::move(out));
    WriteNext();
  }

  void WriteNext() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_) return;
    if (end_with_) {
      finished_ = true;
      Finish(*end_with_);
      return;
    }
    if (draining_) {
      finished_ = true;
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "this session-service replica is shutting down; watch again with "
                          "resume_cursor set to the last cursor received"));
      return;
    }
    if (snapshot_pending_) return;
    // Once the watcher has seen the session close, the stream ends: whatever is still queued
    // behind the close (a distribution published late) is not sent, on any replica.
    if (close_sent_) {
      finished_ = true;
      Finish(grpc::Status::OK);
      return;
    }
    std::optional<WatchQueue::Entry> next = queue_.Pop();
    if (!next) return;
    if (next->ends_stream) close_sent_ = true;
    current_ = std::move(next->bytes);
    writing_ = true;
    StartWrite(&current_);
  }

  const WatchDeps deps_;
  grpc::CallbackServerContext* const ctx_;  // valid until OnDone
  const api::WatchSessionRequest request_;
  const RequestContext rc_;
  const std::string session_id_;
  const std::string key_;
  const int64_t resume_cursor_;
  bool stream_taken_ = false;
  bool joined_ = false;

  absl::Mutex mu_;
  Viewer viewer_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<std::string, int>> revealed_ ABSL_GUARDED_BY(mu_);
  WatchQueue queue_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool snapshot_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;      // the last snapshot found the session closed
  bool close_sent_ ABSL_GUARDED_BY(mu_) = false;  // the stream's last event is being written
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool joining_ ABSL_GUARDED_BY(mu_) = false;
  bool rechecking_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> end_with_ ABSL_GUARDED_BY(mu_);  // the credential was refused
  int64_t resync_after_join_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::shared_ptr<const SharedEvent>> early_ ABSL_GUARDED_BY(mu_);
  int pending_work_ ABSL_GUARDED_BY(mu_) = 1;  // Begin
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* StartWatch(grpc::CallbackServerContext* ctx,
                                                       const CallAdmitter& admitter,
                                                       const WatchDeps& deps,
                                                       const api::WatchSessionRequest& req) {
  absl::StatusOr<RequestContext> rc = admitter.Admit(*ctx, req);
  if (!rc.ok()) return RejectStream<grpc::ByteBuffer>(ctx, rc.status());
  absl::StatusOr<std::string> id = SessionIdOf(*rc, req.session(), "session");
  if (!id.ok()) return RejectStream<grpc::ByteBuffer>(ctx, id.status());
  if (req.resume_cursor() < 0) {
    return RejectStream<grpc::ByteBuffer>(
        ctx,
        InvalidArgumentError("invalid resume_cursor", {{"resume_cursor", "must not be negative"}}));
  }
  if (deps.limiter != nullptr) {
    if (absl::Status s = deps.limiter->AcquireStream(rc->tenant_id); !s.ok()) {
      return RejectStream<grpc::ByteBuffer>(ctx, s);
    }
  }
  auto* reactor = new WatchReactor(deps, ctx, req, *std::move(rc), *id, req.resume_cursor());
  if (deps.limiter != nullptr) reactor->TakeStream();
  return reactor;
}

}  // namespace lagom::session
