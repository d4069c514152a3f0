#include "services/session/core/answer_core.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "services/session/core/answer_page.h"
#include "services/session/core/live_figures.h"

namespace lagom::session {

struct AnswerCore::Write {
  RequestContext rc;
  std::string session_id;
  std::string participant_id;
  std::string parent;                        // the participant's name
  std::vector<api::Answer> answers;          // to submit (one for SubmitAnswer)
  bool batched = false;                      // field paths "answers[i]", else "answer"
  std::optional<std::string> withdraw_item;  // DeleteAnswer
  std::string withdraw_etag;
  std::string request_id;
  absl::string_view method;
  const google::protobuf::Message* request = nullptr;
  google::protobuf::Message* response = nullptr;
  absl::Status status;
  Done done;
};

namespace {

namespace type_api = ::lagom::type::v1;

constexpr int kMaxBatchAnswers = 500;

type_api::Perspective PerspectiveOf(api::ParticipantPerspective p) {
  return p == api::PARTICIPANT_PERSPECTIVE_CUSTOMER ? type_api::PERSPECTIVE_CUSTOMER
                                                    : type_api::PERSPECTIVE_PROVIDER;
}

// `tenants/{t}/sessions/{s}/participants/`: what every answer name of the session starts with.
std::string ParticipantsPrefix(const RequestContext& rc, const std::string& session_id) {
  return absl::StrCat(SessionName(rc, session_id), "/participants/");
}

// The stored answer as the API returns it.
absl::StatusOr<api::Answer> ToAnswer(const RequestContext& rc, const std::string& session_id,
                                     const AnswerRecord& r) {
  api::Answer a;
  if (!a.ParseFromString(r.body)) return absl::DataLossError("stored answer is unreadable");
  a.set_name(
      absl::StrCat(ParticipantsPrefix(rc, session_id), r.participant_id, "/answers/", r.item_id));
  a.set_round(r.round);
  a.set_etag(EtagOf(r.seq));
  return a;
}

std::optional<double> ValueOf(const api::Answer& a) {
  if (a.has_value()) return a.value();
  return std::nullopt;
}

absl::Status NotOpen(const RequestContext& rc, const std::string& session_id,
                     api::SessionState state) {
  return StateConflict(SessionName(rc, session_id), state,
                       "answers are accepted only while the session is OPEN");
}

absl::Status NotYou(absl::string_view participant) {
  return Error(absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
               absl::StrCat("you may act only as your own participant, not as ", participant));
}

// In an anonymous session one participant's answers are read only by that participant and
// by tenant admins: anyone else who could name the participant would tie the answers to the
// person (the whole session's answers come under pseudonyms instead). The participant is a
// respondent acting as them: a facilitator whose subject is bound to the participant is not.
absl::Status MayReadAnswersOf(const RequestContext& rc, const api::Session& session,
                              const std::string& participant, const std::string& principal) {
  if (!session.anonymous() || rc.principal.role() == auth::v1::PRINCIPAL_ROLE_TENANT_ADMIN ||
      (IsRespondent(rc) && ActsAs(rc, participant, principal))) {
    return absl::OkStatus();
  }
  return Error(
      absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
      absl::StrCat("session ", session.name(),
                   " is anonymous: only the participant and tenant admins read ", participant,
                   "'s answers; everyone's answers are listed under pseudonyms at ", session.name(),
                   "/participants/-"));
}

absl::StatusOr<std::pair<std::string, int>> RoundOf(const RequestContext& rc,
                                                    absl::string_view name,
                                                    absl::string_view field) {
  absl::StatusOr<std::pair<std::string, std::string>> ids = ChildOf(rc, name, field, "rounds");
  if (!ids.ok()) return ids.status();
  int number = 0;
  if (!absl::SimpleAtoi(ids->second, &number) || number < 1) {
    return InvalidArgumentError(absl::StrCat("invalid ", field),
                                {{std::string(field), "the round id is its number: 1, 2, ..."}});
  }
  return std::make_pair(ids->first, number);
}

}  // namespace

AnswerCore::AnswerCore(SessionStore& store, ModelIndexCache& models, LiveState& live,
                       std::string pseudonym_key, Clock clock, int max_batch, int max_writers)
    : store_(store),
      models_(models),
      live_(live),
      pseudonym_key_(std::move(pseudonym_key)),
      clock_(std::move(clock)),
      max_batch_(std::max(max_batch, 1)),
      max_writers_(std::max(max_writers, 1)) {
  for (int i = 0; i <= max_writers_; ++i) threads_.emplace_back([this] { WriterLoop(); });
}

AnswerCore::~AnswerCore() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

namespace {

// Waits for the outcome of a submission made with one of the *Async methods.
template <typename Start>
absl::Status Await(Start start) {
  absl::Notification finished;
  absl::Status outcome;
  start([&](absl::Status s) {
    outcome = std::move(s);
    finished.Notify();
  });
  finished.WaitForNotification();
  return outcome;
}

}  // namespace

absl::Status AnswerCore::SubmitAnswer(const RequestContext& rc, const api::SubmitAnswerRequest& req,
                                      api::SubmitAnswerResponse* resp) {
  return Await([&](Done done) { SubmitAnswerAsync(rc, req, resp, std::move(done)); });
}

absl::Status AnswerCore::BatchSubmitAnswers(const RequestContext& rc,
                                            const api::BatchSubmitAnswersRequest& req,
                                            api::BatchSubmitAnswersResponse* resp) {
  return Await([&](Done done) { BatchSubmitAnswersAsync(rc, req, resp, std::move(done)); });
}

absl::Status AnswerCore::DeleteAnswer(const RequestContext& rc, const api::DeleteAnswerRequest& req,
                                      api::DeleteAnswerResponse* resp) {
  return Await([&](Done done) { DeleteAnswerAsync(rc, req, resp, std::move(done)); });
}

void AnswerCore::SubmitAnswerAsync(const RequestContext& rc, const api::SubmitAnswerRequest& req,
                                   api::SubmitAnswerResponse* resp, Done done) {
  if (std::unique_ptr<Write> w = PrepareSubmit(rc, req, resp, done)) Enqueue(std::move(w));
}

void AnswerCore::BatchSubmitAnswersAsync(const RequestContext& rc,
                                         const api::BatchSubmitAnswersRequest& req,
                                         api::BatchSubmitAnswersResponse* resp, Done done) {
  if (std::unique_ptr<Write> w = PrepareBatch(rc, req, resp, done)) Enqueue(std::move(w));
}

void AnswerCore::DeleteAnswerAsync(const RequestContext& rc, const api::DeleteAnswerRequest& req,
                                   api::DeleteAnswerResponse* resp, Done done) {
  if (std::unique_ptr<Write> w = PrepareDelete(rc, req, resp, done)) Enqueue(std::move(w));
}

std::unique_ptr<AnswerCore::Write> AnswerCore::Refused(Done& done, absl::Status status) {
  std::move(done)(std::move(status));
  return nullptr;
}

std::unique_ptr<AnswerCore::Write> AnswerCore::NewWrite(
    const RequestContext& rc, std::pair<std::string, std::string> ids, std::string parent,
    const std::string& request_id, absl::string_view method,
    const google::protobuf::Message& request, google::protobuf::Message* response, Done& done) {
  auto w = std::make_unique<Write>();
  w->rc = rc;
  std::tie(w->session_id, w->participant_id) = std::move(ids);
  w->parent = std::move(parent);
  w->request_id = request_id;
  w->method = method;
  w->request = &request;
  w->response = response;
  w->done = std::move(done);
  return w;
}

std::unique_ptr<AnswerCore::Write> AnswerCore::PrepareSubmit(const RequestContext& rc,
                                                             const api::SubmitAnswerRequest& req,
                                                             api::SubmitAnswerResponse* resp,
                                                             Done& done) {
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ChildOf(rc, req.parent(), "parent", "participants");
  if (!ids.ok()) return Refused(done, ids.status());
  Violations v;
  if (!req.has_answer()) v.Add("answer", "required");
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return Refused(done, std::move(v).ToStatus("invalid answer"));
  std::unique_ptr<Write> w = NewWrite(rc, *std::move(ids), req.parent(), req.request_id(),
                                      "SubmitAnswer", req, resp, done);
  w->answers.push_back(req.answer());
  return w;
}

std::unique_ptr<AnswerCore::Write> AnswerCore::PrepareBatch(
    const RequestContext& rc, const api::BatchSubmitAnswersRequest& req,
    api::BatchSubmitAnswersResponse* resp, Done& done) {
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ChildOf(rc, req.parent(), "parent", "participants");
  if (!ids.ok()) return Refused(done, ids.status());
  Violations v;
  if (req.answers().empty()) v.Add("answers", "required: at least one answer");
  if (req.answers_size() > kMaxBatchAnswers) {
    v.Add("answers",
          absl::StrCat("at most ", kMaxBatchAnswers, " answers (got ", req.answers_size(), ")"));
  }
  std::set<std::string> items;
  for (int i = 0; i < req.answers_size(); ++i) {
    if (!items.insert(req.answers(i).item_id()).second) {
      v.Add(absl::StrCat("answers[", i, "].item_id"),
            absl::StrCat("item '", req.answers(i).item_id(), "' is answered twice"));
    }
  }
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return Refused(done, std::move(v).ToStatus("invalid answers"));
  std::unique_ptr<Write> w = NewWrite(rc, *std::move(ids), req.parent(), req.request_id(),
                                      "BatchSubmitAnswers", req, resp, done);
  w->answers.assign(req.answers().begin(), req.answers().end());
  w->batched = true;
  return w;
}

std::unique_ptr<AnswerCore::Write> AnswerCore::PrepareDelete(const RequestContext& rc,
                                                             const api::DeleteAnswerRequest& req,
                                                             api::DeleteAnswerResponse* resp,
                                                             Done& done) {
  const size_t cut = req.name().rfind("/answers/");
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ChildOf(rc, req.name().substr(0, cut == std::string::npos ? req.name().size() : cut), "name",
              "participants");
  if (!ids.ok()) return Refused(done, ids.status());
  Violations v;
  if (cut == std::string::npos || req.name().size() == cut + 9) {
    v.Add("name",
          "not an answer name like tenants/{tenant}/sessions/{session}/participants/"
          "{participant}/answers/{item_id}");
  }
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return Refused(done, std::move(v).ToStatus("invalid request"));
  std::unique_ptr<Write> w = NewWrite(rc, *std::move(ids), req.name().substr(0, cut),
                                      req.request_id(), "DeleteAnswer", req, resp, done);
  w->withdraw_item = req.name().substr(cut + 9);
  w->withdraw_etag = req.etag();
  return w;
}

void AnswerCore::Enqueue(std::unique_ptr<Write> w) {
  absl::MutexLock lock(&mu_);
  // A writer waiting for work wakes on this unlock (absl::Mutex evaluates its condition);
  // while the writers are busy nobody is woken.
  queue_.push_back(w.release());
}

void AnswerCore::WriterLoop() {
  const absl::Condition work_or_stop(
      +[](AnswerCore* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return (self->writers_ < self->max_writers_ && !self->queue_.empty()) ||
               (self->stopping_ && self->queue_.empty());
      },
      this);
  for (;;) {
    mu_.LockWhen(work_or_stop);
    if (queue_.empty()) {  // stopping, and nothing left to write
      mu_.Unlock();
      return;
    }
    // Take the waiting writes of the first one's tenant, at most one per request_id.
    ++writers_;
    std::vector<std::unique_ptr<Write>> owned;
    std::vector<Write*> batch;
    absl::flat_hash_set<std::string> request_ids;
    const std::string tenant = queue_.front()->rc.tenant_id;
    for (auto it = queue_.begin();
         it != queue_.end() && static_cast<int>(batch.size()) < max_batch_;) {
      Write* next = *it;
      if (next->rc.tenant_id == tenant &&
          (next->request_id.empty() || request_ids.insert(next->request_id).second)) {
        batch.push_back(next);
        owned.emplace_back(next);
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    mu_.Unlock();
    std::vector<std::string> sessions;
    for (const Write* w : batch) {
      if (std::find(sessions.begin(), sessions.end(), w->session_id) == sessions.end()) {
        sessions.push_back(w->session_id);
      }
    }
    const RequestContext& rc = batch.front()->rc;
    LiveState::Announcement announced = live_.AnswersPending(rc, sessions);
    const std::string& pending = announced.token;
    std::vector<std::pair<LiveSession, std::vector<AnswerChange>>> changed;
    // A write whose caller has stopped waiting is refused, not run: its caller is gone, and it
    // must not hold its batch to a deadline that has passed.
    std::vector<Write*> waited_for;
    const absl::Time now = absl::Now();
    for (Write* w : batch) {
      if (w->rc.deadline <= now) {
        w->status = absl::DeadlineExceededError(
            "the call's deadline passed before its answers were written; nothing was stored");
      } else {
        waited_for.push_back(w);
      }
    }
    try {
      if (!waited_for.empty()) RunBatch(waited_for, announced.confirm, changed);
    } catch (const std::exception& e) {
      // Not thrown by the store (it reports failures as a status); still, a writer thread
      // must not end the process.
      changed.clear();
      for (Write* w : batch) w->status = absl::InternalError(e.what());
    }
    announced.confirm();  // (done already if anything committed) before it is settled
    {
      // Committed: another writer may start the next batch while this one updates the live
      // state, which happens before its callers hear (so a caller's progress includes its
      // answer).
      absl::MutexLock lock(&mu_);
      --writers_;
    }
    // Each changed session's update settles the announcement too; the rest are settled alone.
    for (const auto& [session, changes] : changed) {
      live_.AnswersChanged(rc, session, changes, pending);
      // (A session is listed more than once when its writes were retried one by one.)
      sessions.erase(std::remove(sessions.begin(), sessions.end(), session.session_id),
                     sessions.end());
    }
    if (!sessions.empty()) live_.AnswersSettled(rc, sessions, pending);
    for (Write* w : batch) std::move(w->done)(std::move(w->status));
  }
}

void AnswerCore::RunBatch(const std::vector<Write*>& batch, const std::function<void()>& announced,
                          std::vector<std::pair<LiveSession, std::vector<AnswerChange>>>& changed) {
  std::vector<std::pair<LiveSession, std::vector<AnswerChange>>> changes;
  absl::Status tx = RunInTransaction(batch, announced, changes);
  if (!tx.ok() && batch.size() > 1 && !IsCommitInDoubt(tx)) {
    // Something failed the whole transaction: give each write its own.
    for (Write* w : batch) RunBatch({w}, announced, changed);
    return;
  }
  if (!tx.ok()) {
    // A commit whose outcome is unknown may have stored every write: none is run again (a
    // write without request_id would then fail on its own etag, or withdraw nothing). Each
    // caller hears UNAVAILABLE and retries, with its request_id answered from the record.
    for (Write* w : batch) w->status = tx;
    return;
  }
  for (auto& change : changes) {
    if (!change.second.empty()) changed.push_back(std::move(change));
  }
}

absl::Status AnswerCore::RunInTransaction(
    const std::vector<Write*>& batch, const std::function<void()>& announced,
    std::vector<std::pair<LiveSession, std::vector<AnswerChange>>>& changes) {
  // The batch's transaction may take as long as its most patient caller waits (the writer
  // left out those whose deadline had passed): not the first one's deadline.
  RequestContext rc = batch.front()->rc;
  for (const Write* w : batch) rc.deadline = std::max(rc.deadline, w->rc.deadline);
  const absl::Time now = clock_();
  auto PersonKey = [](const Write& w) { return absl::StrCat(w.session_id, "/", w.participant_id); };
  std::vector<std::pair<size_t, api::Participant>> joined;  // (index in changes, who)
  std::vector<absl::Status> outcomes(batch.size());
  absl::Status committed = store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    changes.clear();
    joined.clear();
    struct SessionState {
      LiveSession live;
      absl::Status usable;
      absl::flat_hash_map<std::string, int> rounds;
      size_t changes_index = 0;
    };
    // node_hash_map: Pending keeps pointers to the states.
    absl::node_hash_map<std::string, SessionState> sessions;
    // By "session/participant": participant ids are per session.
    absl::flat_hash_map<std::string, std::pair<ParticipantRecord, api::Participant>> people;
    // A write that passed every check, with the journal rows it adds.
    struct Pending {
      size_t index;  // in batch
      SessionState* st;
      RequestKey key;  // of a request with a request_id
      std::vector<AnswerRecord> rows;
    };
    std::vector<Pending> pending;
    {
      // Everyone and every kept reply the batch needs, read at once.
      std::map<std::string, std::vector<std::string>> participants_by_session;
      std::vector<std::string> request_ids;
      int answer_rows = 0;
      for (const Write* w : batch) {
        participants_by_session[w->session_id].push_back(w->participant_id);
        if (!w->request_id.empty()) request_ids.push_back(w->request_id);
        answer_rows += w->withdraw_item ? 1 : static_cast<int>(w->answers.size());
      }
      for (auto& [sid, pids] : participants_by_session) {
        if (absl::Status s = tx.Prefetch(sid, pids, request_ids, answer_rows); !s.ok()) return s;
        request_ids.clear();
        answer_rows = 0;
      }
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      Write& w = *batch[i];
      auto [it, fresh] = sessions.try_emplace(w.session_id);
      SessionState& st = it->second;
      if (fresh) {
        absl::StatusOr<std::pair<SessionRecord, api::Session>> read =
            ReadSession(tx, rc, w.session_id, /*lock_exclusive=*/false);
        if (!read.ok()) {
          if (!absl::IsNotFound(read.status())) return read.status();
          st.usable = read.status();
        } else if (read->second.state() != api::SESSION_STATE_OPEN) {
          st.usable = NotOpen(rc, w.session_id, read->second.state());
        } else {
          st.live.session = std::move(read->second);
          st.live.session_id = w.session_id;
          absl::StatusOr<std::shared_ptr<const ModelIndex>> model =
              models_.Get(tx, rc, w.session_id, st.live.session);
          if (!model.ok()) return model.status();
          st.live.model = *std::move(model);
          absl::StatusOr<std::vector<api::Round>> rounds = ReadRounds(tx, w.session_id);
          if (!rounds.ok()) return rounds.status();
          st.rounds = CurrentRounds(*rounds);
          st.changes_index = changes.size();
          changes.push_back({st.live, {}});
        }
      }
      // A retry of a write already made: its first reply.
      RequestKey key;
      if (!w.request_id.empty()) {
        key = KeyOf(w.rc, *w.request);
        absl::StatusOr<std::optional<IdempotentReply>> prior = tx.FindReply(w.request_id);
        if (!prior.ok()) return prior.status();
        if (prior->has_value()) {
          outcomes[i] = ReplayReply(**prior, w.request_id, w.method, key, w.response);
          continue;
        }
      }
      absl::StatusOr<std::vector<AnswerRecord>> rows =
          [&]() -> absl::StatusOr<std::vector<AnswerRecord>> {
        if (!st.usable.ok()) return st.usable;
        auto person = people.find(PersonKey(w));
        if (person == people.end()) {
          absl::StatusOr<std::optional<ParticipantRecord>> record =
              tx.GetParticipant(w.session_id, w.participant_id);
          if (!record.ok()) return record.status();
          if (!record->has_value()) return NotFound("participant", w.parent);
          absl::StatusOr<api::Participant> parsed = ParseParticipant(**record);
          if (!parsed.ok()) return parsed.status();
          person = people.emplace(PersonKey(w), std::make_pair(**record, *parsed)).first;
        }
        const auto& [record, participant] = person->second;
        // Each write's own caller: a batch mixes callers of one tenant.
        if (!ActsAs(w.rc, w.parent, record.principal)) return NotYou(w.parent);
        const ModelIndex& model = *st.live.model;
        std::vector<AnswerRecord> out;
        std::optional<std::vector<AnswerRecord>> mine;  // read only when an etag needs it
        auto current = [&](const std::string& item,
                           int round) -> absl::StatusOr<std::optional<AnswerRecord>> {
          if (!mine) {
            absl::StatusOr<std::vector<AnswerRecord>> read =
                tx.ListAnswers(w.session_id, w.participant_id);
            if (!read.ok()) return read.status();
            mine = *std::move(read);
          }
          auto found = absl::c_find_if(*mine, [&](const AnswerRecord& a) {
            return a.item_id == item && a.round == round && !a.withdrawn;
          });
          if (found == mine->end()) return std::nullopt;
          return *found;
        };
        if (w.withdraw_item) {
          const std::string& item = *w.withdraw_item;
          const int round = st.rounds.count(item) ? st.rounds[item] : 1;
          absl::StatusOr<std::optional<AnswerRecord>> found = current(item, round);
          if (!found.ok()) return found.status();
          const std::string name = absl::StrCat(w.parent, "/answers/", item);
          if (!found->has_value()) return NotFound("answer", name);
          if (absl::Status e = CheckEtag(name, w.withdraw_etag, EtagOf((*found)->seq)); !e.ok()) {
            return e;
          }
          AnswerRecord row = **found;
          row.withdrawn = true;
          row.submit_time = now;
          out.push_back(std::move(row));
          return out;
        }
        Violations v;
        for (size_t a = 0; a < w.answers.size(); ++a) {
          model.CheckAnswer(participant.perspective(), w.answers[a],
                            w.batched ? absl::StrCat("answers[", a, "]") : "answer", v);
        }
        if (!v.empty()) return std::move(v).ToStatus("invalid answer");
        for (api::Answer& a : w.answers) {
          const int round = st.rounds.count(a.item_id()) ? st.rounds[a.item_id()] : 1;
          if (!a.etag().empty()) {
            absl::StatusOr<std::optional<AnswerRecord>> found = current(a.item_id(), round);
            if (!found.ok()) return found.status();
            const std::string name = absl::StrCat(w.parent, "/answers/", a.item_id());
            if (absl::Status e =
                    CheckEtag(name, a.etag(), found->has_value() ? EtagOf((*found)->seq) : "");
                !e.ok()) {
              return e;
            }
          }
          a.clear_name();
          a.clear_etag();
          a.set_round(round);
          a.set_perspective(PerspectiveOf(participant.perspective()));
          a.set_customer_organization(participant.customer_organization());
          *a.mutable_submit_time() = ToProto(now);
          out.push_back(AnswerRecord{w.participant_id, a.item_id(), round, 0, false,
                                     a.SerializeAsString(), now});
        }
        return out;
      }();
      if (!rows.ok()) {
        outcomes[i] = rows.status();
        continue;
      }
      pending.push_back(Pending{i, &st, std::move(key), *std::move(rows)});
    }

    // One journal statement per session for every row of the batch (one statement cannot
    // upsert a row twice: a repeated answer starts another).
    for (auto& [sid, st] : sessions) {
      std::vector<AnswerRecord*> group;
      absl::flat_hash_set<std::tuple<std::string, std::string, int>> keys;
      auto write = [&, sid = &sid]() -> absl::Status {
        if (group.empty()) return absl::OkStatus();
        std::vector<AnswerRecord> records;
        records.reserve(group.size());
        for (AnswerRecord* r : group) records.push_back(*r);
        if (absl::Status s = tx.WriteAnswers(*sid, records); !s.ok()) return s;
        for (size_t k = 0; k < group.size(); ++k) group[k]->seq = records[k].seq;
        group.clear();
        keys.clear();
        return absl::OkStatus();
      };
      for (Pending& p : pending) {
        if (p.st != &st) continue;
        for (AnswerRecord& r : p.rows) {
          if (!keys.insert({r.participant_id, r.item_id, r.round}).second) {
            if (absl::Status s = write(); !s.ok()) return s;
            keys.insert({r.participant_id, r.item_id, r.round});
          }
          group.push_back(&r);
        }
      }
      if (absl::Status s = write(); !s.ok()) return s;
    }

    // What each write stored: its reply (kept for retries), live changes, joins. A failure
    // here fails the transaction, so every write is retried on its own.
    for (Pending& p : pending) {
      Write& w = *batch[p.index];
      SessionState& st = *p.st;
      auto& [record, participant] = people.at(PersonKey(w));
      std::vector<api::Answer> stored;  // in request order
      for (const AnswerRecord& row : p.rows) {
        absl::StatusOr<api::Answer> answer = ToAnswer(rc, w.session_id, row);
        if (!answer.ok()) return answer.status();
        changes[st.changes_index].second.push_back(
            AnswerChange{w.participant_id, participant.perspective(),
                         participant.customer_organization(), row.item_id, row.round, row.seq,
                         row.withdrawn, row.withdrawn ? std::nullopt : ValueOf(*answer)});
        if (!row.withdrawn) stored.push_back(*std::move(answer));
      }
      if (participant.state() == api::PARTICIPANT_STATE_INVITED) {
        participant.set_state(api::PARTICIPANT_STATE_ACTIVE);
        *participant.mutable_join_time() = ToProto(now);
        *participant.mutable_update_time() = ToProto(now);
        api::Participant body = participant;
        body.clear_etag();
        ParticipantRecord next = record;
        next.version = record.version + 1;
        next.body = body.SerializeAsString();
        if (absl::Status s = tx.UpdateParticipant(w.session_id, next, record.version); !s.ok()) {
          return s;
        }
        record = next;
        participant.set_etag(EtagOf(next.version));
        joined.emplace_back(st.changes_index, participant);
      }
      if (w.method == "SubmitAnswer") {
        *static_cast<api::SubmitAnswerResponse*>(w.response)->mutable_answer() =
            std::move(stored.front());
      } else if (w.method == "BatchSubmitAnswers") {
        auto* out = static_cast<api::BatchSubmitAnswersResponse*>(w.response);
        out->clear_answers();
        for (api::Answer& a : stored) *out->add_answers() = std::move(a);
      }
      if (!w.request_id.empty()) {
        if (absl::Status s =
                tx.RecordReply(w.request_id, KeptReply(w.method, std::move(p.key), *w.response));
            !s.ok()) {
          return s;
        }
      }
    }
    announced();  // the live store knows of this transaction before it commits
    return absl::OkStatus();
  });
  if (!committed.ok()) return committed;
  for (size_t i = 0; i < batch.size(); ++i) batch[i]->status = outcomes[i];
  for (const auto& [session_index, p] : joined) {
    live_.ParticipantChanged(rc, changes[session_index].first, p, /*removed=*/false);
  }
  return absl::OkStatus();
}

absl::Status AnswerCore::GetAnswer(const RequestContext& rc, const api::GetAnswerRequest& req,
                                   api::GetAnswerResponse* resp) {
  const size_t cut = req.name().rfind("/answers/");
  const std::string parent =
      req.name().substr(0, cut == std::string::npos ? req.name().size() : cut);
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ChildOf(rc, parent, "name", "participants");
  if (!ids.ok()) return ids.status();
  if (cut == std::string::npos || req.round() < 0) {
    return InvalidArgumentError(
        "invalid request", {{cut == std::string::npos ? "name" : "round",
                             cut == std::string::npos
                                 ? "not an answer name like .../participants/{p}/answers/{item_id}"
                                 : "must not be negative"}});
  }
  const std::string item = req.name().substr(cut + 9);
  return store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::pair<SessionRecord, api::Session>> session =
        ReadSessionTakenPartIn(tx, rc, ids->first);
    if (!session.ok()) return session.status();
    absl::StatusOr<std::optional<ParticipantRecord>> person =
        tx.GetParticipant(ids->first, ids->second);
    if (!person.ok()) return person.status();
    if (!person->has_value()) return NotFound("participant", parent);
    if (IsRespondent(rc) && !ActsAs(rc, parent, (*person)->principal)) return NotYou(parent);
    if (absl::Status s = MayReadAnswersOf(rc, session->second, parent, (*person)->principal);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<std::vector<AnswerRecord>> rows = tx.ListAnswers(ids->first, ids->second);
    if (!rows.ok()) return rows.status();
    // Round 0: the latest round's answer, which a withdrawal leaves without one (an earlier
    // round's does not come back), as ListAnswers.
    const AnswerRecord* best = nullptr;
    for (const AnswerRecord& r : *rows) {
      if (r.item_id != item) continue;
      if (req.round() != 0 ? r.round == req.round() : (!best || r.round > best->round)) best = &r;
    }
    if (best == nullptr || best->withdrawn) return NotFound("answer", req.name());
    absl::StatusOr<api::Answer> answer = ToAnswer(rc, ids->first, *best);
    if (!answer.ok()) return answer.status();
    *resp->mutable_answer() = *std::move(answer);
    return absl::OkStatus();
  });
}

absl::Status AnswerCore::ListAnswers(const RequestContext& rc, const api::ListAnswersRequest& req,
                                     api::ListAnswersResponse* resp) {
  std::string wire;
  if (absl::Status s = ListAnswersWire(rc, req, &wire); !s.ok()) return s;
  if (!resp->ParseFromString(wire)) return absl::DataLossError("stored answer is unreadable");
  return absl::OkStatus();
}

absl::Status AnswerCore::ListAnswersWire(const RequestContext& rc,
                                         const api::ListAnswersRequest& req, std::string* wire) {
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ChildOf(rc, req.parent(), "parent", "participants", /*allow_dash=*/true);
  if (!ids.ok()) return ids.status();
  const bool everyone = ids->second == "-";
  Violations v;
  if (req.page_size() < 0) v.Add("page_size", "must not be negative");
  if (req.round() < 0) v.Add("round", "must not be negative");
  if (!v.empty()) return std::move(v).ToStatus("invalid list request");
  if (everyone && IsRespondent(rc)) return NotYou(req.parent());
  api::ListAnswersRequest query = req;
  query.clear_page_token();
  query.clear_page_size();
  const std::string fingerprint = RequestFingerprint(query);
  const size_t page = req.page_size() == 0 ? 500 : std::min(req.page_size(), 5000);
  AnswerQuery q;
  if (!everyone) q.participant_id = ids->second;
  q.item_ids.assign(req.item_ids().begin(), req.item_ids().end());
  q.round = req.round();
  q.all_rounds = req.all_rounds();
  return store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::pair<SessionRecord, api::Session>> session =
        ReadSessionTakenPartIn(tx, rc, ids->first);
    if (!session.ok()) return session.status();
    if (req.in_force()) {
      if (absl::Status s = SelectInForce(tx, ids->first, q); !s.ok()) return s;
    }
    if (!everyone) {
      absl::StatusOr<std::optional<ParticipantRecord>> person =
          tx.GetParticipant(ids->first, ids->second);
      if (!person.ok()) return person.status();
      if (!person->has_value()) return NotFound("participant", req.parent());
      if (IsRespondent(rc) && !ActsAs(rc, req.parent(), (*person)->principal)) {
        return NotYou(req.parent());
      }
      if (absl::Status s =
              MayReadAnswersOf(rc, session->second, req.parent(), (*person)->principal);
          !s.ok()) {
        return s;
      }
    }
    // Anonymous sessions: answers of the whole session carry no participant id, so their
    // page tokens cannot carry one either (offsets); otherwise a token is the last answer's key
    // and every page is one index range scan.
    const bool pseudonymous = everyone && session->second.anonymous() &&
                              rc.principal.role() != auth::v1::PRINCIPAL_ROLE_TENANT_ADMIN;
    std::string next_page_token;
    absl::StatusOr<std::vector<AnswerRecord>> rows =
        ReadAnswerPage(tx, ids->first, q, {page, req.page_token(), fingerprint, pseudonymous},
                       "ListAnswers", &next_page_token);
    if (!rows.ok()) return rows.status();
    AnswerPageWriter writer(ParticipantsPrefix(rc, ids->first));
    size_t body_bytes = 0;
    for (const AnswerRecord& r : *rows) body_bytes += r.body.size();
    writer.Reserve(rows->size(), body_bytes);
    for (AnswerRecord& r : *rows) {
      if (pseudonymous) r.participant_id = Pseudonym(pseudonym_key_, ids->first, r.participant_id);
      if (absl::Status s = writer.Add(r); !s.ok()) return s;
    }
    *wire = std::move(writer).Finish(next_page_token);
    return absl::OkStatus();
  });
}

absl::Status AnswerCore::StartRound(const RequestContext& rc, const api::StartRoundRequest& req,
                                    api::StartRoundResponse* resp) {
  absl::StatusOr<std::string> id = SessionIdOf(rc, req.parent(), "parent");
  if (!id.ok()) return id.status();
  Violations v;
  if (req.round().item_ids().empty()) v.Add("round.item_ids", "required: the items to re-vote");
  CheckText(v, "round.note", req.round().note(), 1000, false);
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid round");
  const absl::Time now = clock_();
  LiveSession live;
  absl::Status started = store_.InTenant(rc, [&](SessionTransaction& tx) {
    return RunIdempotent(tx, rc, req.request_id(), "StartRound", req, resp, [&]() -> absl::Status {
      absl::StatusOr<std::pair<SessionRecord, api::Session>> read =
          ReadSession(tx, rc, *id, /*lock_exclusive=*/true);
      if (!read.ok()) return read.status();
      const api::Session& session = read->second;
      if (session.state() != api::SESSION_STATE_OPEN) {
        return StateConflict(req.parent(), session.state(), "rounds start only while OPEN");
      }
      if (!session.rounds_enabled()) {
        return Error(absl::StatusCode::kFailedPrecondition, "STATE_CONFLICT",
                     absl::StrCat("session ", req.parent(),
                                  " does not have rounds_enabled; re-vote rounds are off"));
      }
      absl::StatusOr<std::shared_ptr<const ModelIndex>> model = models_.Get(tx, rc, *id, session);
      if (!model.ok()) return model.status();
      Violations bad;
      std::set<std::string> seen;
      for (int i = 0; i < req.round().item_ids_size(); ++i) {
        const std::string& item = req.round().item_ids(i);
        if ((*model)->Find(item) == nullptr) {
          bad.Add(absl::StrCat("round.item_ids[", i, "]"),
                  absl::StrCat("item '", item, "' is not in the session's scope"));
        } else if (!seen.insert(item).second) {
          bad.Add(absl::StrCat("round.item_ids[", i, "]"),
                  absl::StrCat("item '", item, "' is listed twice"));
        }
      }
      if (!bad.empty()) return std::move(bad).ToStatus("invalid round");
      absl::StatusOr<std::vector<api::Round>> rounds = ReadRounds(tx, *id);
      if (!rounds.ok()) return rounds.status();
      if (static_cast<int>(rounds->size()) >= kMaxRoundsPerSession) {
        return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
                     absl::StrCat("session ", req.parent(), " already has ", kMaxRoundsPerSession,
                                  " rounds, the most a session holds; re-vote in a new session"));
      }
      api::Round round;
      round.set_number(static_cast<int>(rounds->size()) + 1);
      round.set_name(absl::StrCat(req.parent(), "/rounds/", round.number()));
      *round.mutable_item_ids() = req.round().item_ids();
      round.set_note(req.round().note());
      round.set_state(api::ROUND_STATE_OPEN);
      *round.mutable_start_time() = ToProto(now);
      // An earlier round whose every item is re-voted now has ended.
      for (api::Round& earlier : *rounds) {
        if (earlier.state() != api::ROUND_STATE_OPEN) continue;
        absl::flat_hash_map<std::string, int> after = CurrentRounds(*rounds);
        for (const std::string& item : round.item_ids()) after[item] = round.number();
        const bool superseded = absl::c_all_of(earlier.item_ids(), [&](const std::string& item) {
          return after[item] > earlier.number();
        });
        if (!superseded) continue;
        earlier.set_state(api::ROUND_STATE_ENDED);
        *earlier.mutable_end_time() = ToProto(now);
        if (absl::Status s = tx.PutRound(*id, earlier.number(), earlier.SerializeAsString());
            !s.ok()) {
          return s;
        }
      }
      if (absl::Status s = tx.PutRound(*id, round.number(), round.SerializeAsString()); !s.ok()) {
        return s;
      }
      live = LiveSession{session, *id, *model};
      *resp->mutable_round() = std::move(round);
      return absl::OkStatus();
    });
  });
  if (started.ok() && live.model) {
    api::WatchSessionResponse event;
    *event.mutable_round_started()->mutable_round() = resp->round();
    live_.Publish(rc, live, event);
  }
  return started;
}

absl::Status AnswerCore::GetRound(const RequestContext& rc, const api::GetRoundRequest& req,
                                  api::GetRoundResponse* resp) {
  absl::StatusOr<std::pair<std::string, int>> round = RoundOf(rc, req.name(), "name");
  if (!round.ok()) return round.status();
  return store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::pair<SessionRecord, api::Session>> read = ReadSession(tx, rc, round->first);
    if (!read.ok()) return read.status();
    absl::StatusOr<std::vector<api::Round>> rounds = ReadRounds(tx, round->first);
    if (!rounds.ok()) return rounds.status();
    for (api::Round& r : *rounds) {
      if (r.number() == round->second) {
        *resp->mutable_round() = std::move(r);
        return absl::OkStatus();
      }
    }
    return NotFound("round", req.name());
  });
}

absl::Status AnswerCore::ListRounds(const RequestContext& rc, const api::ListRoundsRequest& req,
                                    api::ListRoundsResponse* resp) {
  absl::StatusOr<std::string> id = SessionIdOf(rc, req.parent(), "parent");
  if (!id.ok()) return id.status();
  if (req.page_size() < 0) {
    return InvalidArgumentError("invalid list request", {{"page_size", "must not be negative"}});
  }
  size_t offset = 0;
  if (!req.page_token().empty()) {
    std::optional<size_t> parsed = ParseOffsetToken(req.page_token(), req.parent());
    if (!parsed) return BadPageToken("ListRounds");
    offset = *parsed;
  }
  const size_t page = req.page_size() == 0 ? 50 : std::min(req.page_size(), 500);
  return store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::pair<SessionRecord, api::Session>> read = ReadSession(tx, rc, *id);
    if (!read.ok()) return read.status();
    absl::StatusOr<std::vector<api::Round>> rounds = ReadRounds(tx, *id);
    if (!rounds.ok()) return rounds.status();
    for (size_t i = offset; i < rounds->size() && i < offset + page; ++i) {
      *resp->add_rounds() = (*rounds)[i];
    }
    if (offset + page < rounds->size()) {
      resp->set_next_page_token(OffsetToken(offset + page, req.parent()));
    }
    return absl::OkStatus();
  });
}

absl::Status AnswerCore::RevealItemDistribution(const RequestContext& rc,
                                                const api::RevealItemDistributionRequest& req,
                                                api::RevealItemDistributionResponse* resp) {
  absl::StatusOr<std::pair<std::string, int>> ids = RoundOf(rc, req.round(), "round");
  if (!ids.ok()) return ids.status();
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  const auto& [session_id, number] = *ids;
  LiveSession live;
  absl::Status revealed = store_.InTenant(rc, [&](SessionTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "RevealItemDistribution", req, resp, [&]() -> absl::Status {
          absl::StatusOr<std::pair<SessionRecord, api::Session>> read =
              ReadSession(tx, rc, session_id, /*lock_exclusive=*/true);
          if (!read.ok()) return read.status();
          const api::Session& session = read->second;
          if (session.state() == api::SESSION_STATE_DRAFT) {
            return StateConflict(SessionName(rc, session_id), session.state(),
                                 "nothing to reveal before it opens");
          }
          if (session.state() == api::SESSION_STATE_ARCHIVED) {
            return StateConflict(SessionName(rc, session_id), session.state(),
                                 "an archived session's rounds no longer change");
          }
          absl::StatusOr<std::shared_ptr<const ModelIndex>> model =
              models_.Get(tx, rc, session_id, session);
          if (!model.ok()) return model.status();
          absl::StatusOr<std::vector<api::Round>> rounds = ReadRounds(tx, session_id);
          if (!rounds.ok()) return rounds.status();
          auto round =
              absl::c_find_if(*rounds, [&](const api::Round& r) { return r.number() == number; });
          if (round == rounds->end()) return NotFound("round", req.round());
          std::vector<std::string> items(req.item_ids().begin(), req.item_ids().end());
          if (items.empty()) items.assign(round->item_ids().begin(), round->item_ids().end());
          Violations bad;
          for (size_t i = 0; i < items.size(); ++i) {
            if (!absl::c_linear_search(round->item_ids(), items[i])) {
              bad.Add(absl::StrCat("item_ids[", i, "]"),
                      absl::StrCat("item '", items[i], "' is not in round ", number));
            } else if (std::find(items.begin(), items.begin() + i, items[i]) != items.begin() + i) {
              bad.Add(absl::StrCat("item_ids[", i, "]"),
                      absl::StrCat("item '", items[i], "' is listed twice"));
            }
          }
          if (!bad.empty()) return std::move(bad).ToStatus("invalid reveal");
          for (const std::string& item : items) {
            if (!absl::c_linear_search(round->revealed_item_ids(), item)) {
              round->add_revealed_item_ids(item);
            }
          }
          if (absl::Status s = tx.PutRound(session_id, number, round->SerializeAsString());
              !s.ok()) {
            return s;
          }
          // The record, not the live figures: an ended round's answers are not live any more.
          absl::StatusOr<std::vector<AnswerRecord>> rows = tx.ListAnswers(session_id, std::nullopt);
          if (!rows.ok()) return rows.status();
          absl::StatusOr<std::vector<ParticipantRecord>> people = tx.ListParticipants(session_id);
          if (!people.ok()) return people.status();
          absl::flat_hash_map<std::string, api::Participant> who;
          for (const ParticipantRecord& r : *people) {
            absl::StatusOr<api::Participant> p = ParseParticipant(r);
            if (!p.ok()) return p.status();
            who[r.participant_id] = *std::move(p);
          }
          for (const std::string& item : items) {
            std::vector<LiveAnswer> answers;
            for (const AnswerRecord& r : *rows) {
              if (r.item_id != item || r.round != number || r.withdrawn) continue;
              api::Answer a;
              if (!a.ParseFromString(r.body)) return absl::DataLossError("unreadable answer");
              const api::Participant& p = who[r.participant_id];
              answers.push_back(LiveAnswer{r.participant_id, p.perspective(),
                                           p.customer_organization(), ValueOf(a)});
            }
            const ItemRule* rule = (*model)->Find(item);
            if (rule == nullptr) {
              return absl::InternalError(absl::StrCat("item ", item, " of round ", number,
                                                      " is not in the session's model"));
            }
            api::ItemDistribution d = Distribution(*rule, number, answers, session.anonymous());
            d.set_revealed(true);
            *resp->add_distributions() = std::move(d);
          }
          live = LiveSession{session, session_id, *model};
          return absl::OkStatus();
        });
  });
  if (revealed.ok() && live.model) {
    for (const api::ItemDistribution& d : resp->distributions()) {
      api::WatchSessionResponse event;
      event.mutable_item_revealed()->set_round(req.round());
      *event.mutable_item_revealed()->mutable_distribution() = d;
      live_.Publish(rc, live, event);
    }
  }
  return revealed;
}

absl::Status AnswerCore::GetSessionProgress(const RequestContext& rc,
                                            const api::GetSessionProgressRequest& req,
                                            api::GetSessionProgressResponse* resp) {
  absl::StatusOr<std::string> id = SessionIdOf(rc, req.session(), "session");
  if (!id.ok()) return id.status();
  LiveSession live;
  int current_round = 0;
  absl::Status read = store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<LiveSession> s = ReadLiveSession(tx, rc, models_, *id);
    if (!s.ok()) return s.status();
    live = *std::move(s);
    absl::StatusOr<std::vector<api::Round>> rounds = ReadRounds(tx, *id);
    if (!rounds.ok()) return rounds.status();
    current_round = static_cast<int>(rounds->size());
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  api::SessionProgress progress;
  if (live.model) {
    absl::StatusOr<api::SessionProgress> figures = live_.Progress(rc, live);
    if (!figures.ok()) return figures.status();
    progress = *std::move(figures);
  }
  progress.set_session(req.session());
  progress.set_state(live.session.state());
  progress.set_current_round(current_round);
  *progress.mutable_compute_time() = ToProto(clock_());
  *resp->mutable_progress() = std::move(progress);
  return absl::OkStatus();
}

}  // namespace lagom::session
