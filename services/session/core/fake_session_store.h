// In-memory SessionStore for unit tests of the session core: per-tenant data, and
// transactions that work on a copy kept only when they return OK. Tests count the
// transactions and may fail commits as a database would.
#ifndef LAGOM_SERVICES_SESSION_CORE_FAKE_SESSION_STORE_H_
#define LAGOM_SERVICES_SESSION_CORE_FAKE_SESSION_STORE_H_

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "services/session/core/session_store.h"

namespace lagom::session {

class FakeSessionStore final : public SessionStore {
 public:
  struct TenantData {
    std::map<std::string, SessionRecord> sessions;
    std::map<std::string, IdempotentReply> replies;
    std::map<std::string, std::pair<std::string, std::string>> pinned;
    std::map<std::pair<std::string, std::string>, ParticipantRecord> participants;
    std::map<std::pair<std::string, int>, std::string> rounds;
    std::map<std::tuple<std::string, std::string, std::string, int>, AnswerRecord> answers;
    std::map<std::string, std::vector<AnswerRecord>> final_answers;
    std::map<std::pair<std::string, std::string>, InvitationRecord> invitations;
    std::vector<OutboxEvent> outbox;
    int64_t seq = 0;
  };

  absl::Status InTenant(const RequestContext& rc,
                        const std::function<absl::Status(SessionTransaction&)>& fn) override {
    if (rc.tenant_id.empty()) return absl::FailedPreconditionError("no tenant");
    absl::MutexLock lock(&mu_);
    ++transactions_[rc.tenant_id];
    std::map<std::string, TenantData> copy = data_;
    Tx tx(copy[rc.tenant_id]);
    absl::Status status = fn(tx);
    if (status.ok() && check_commit_) status = check_commit_(copy[rc.tenant_id]);
    // A commit in doubt is taken as stored (the worst case for whoever would run it again).
    if (status.ok() || IsCommitInDoubt(status)) {
      data_ = std::move(copy);
      absl::MutexLock committed(&committed_mu_);
      committed_seq_[rc.tenant_id] = data_[rc.tenant_id].seq;
    }
    return status;
  }

  // Transactions begun in `tenant`, committed or not.
  int Transactions(const std::string& tenant) {
    absl::MutexLock lock(&mu_);
    return transactions_[tenant];
  }

  // The last journal sequence number that a committed transaction of `tenant` wrote. Does not
  // wait for a running transaction, so it may be asked from inside one.
  int64_t CommittedSeq(const std::string& tenant) {
    absl::MutexLock lock(&committed_mu_);
    return committed_seq_[tenant];
  }

  // Asked before each transaction commits, with what it would leave stored in its tenant: a
  // status other than OK rolls the transaction back and is what InTenant returns, as a failed
  // COMMIT (a broken constraint, a serialization failure) would be.
  using CommitCheck = std::function<absl::Status(const TenantData&)>;
  void CheckCommit(CommitCheck check) {
    absl::MutexLock lock(&mu_);
    check_commit_ = std::move(check);
  }

  // What is stored for `tenant`, for assertions.
  TenantData Snapshot(const std::string& tenant) {
    absl::MutexLock lock(&mu_);
    return data_[tenant];
  }

 private:
  struct Tx final : SessionTransaction {
    explicit Tx(TenantData& d) : data(d) {}
    TenantData& data;

    void DeleteInvitationsOf(const std::string& sid) {
      std::erase_if(data.invitations, [&](const auto& e) { return e.first.first == sid; });
    }

    absl::StatusOr<std::optional<SessionRecord>> Get(const std::string& id) override {
      auto it = data.sessions.find(id);
      if (it == data.sessions.end()) return std::nullopt;
      return it->second;
    }
    bool Selected(const SessionRecord& r, const std::vector<std::string>& states) {
      return std::find(states.begin(), states.end(), r.state) != states.end();
    }
    absl::StatusOr<std::vector<SessionRecord>> List(const SessionPageQuery& q) override {
      std::vector<SessionRecord> all;
      for (const auto& [id, r] : data.sessions) {
        if (!Selected(r, q.states)) continue;
        if (q.after &&
            std::tie(r.create_time, r.session_id) >= std::tie(q.after->first, q.after->second)) {
          continue;
        }
        all.push_back(r);
      }
      std::sort(all.begin(), all.end(), [](const SessionRecord& a, const SessionRecord& b) {
        return std::tie(a.create_time, a.session_id) > std::tie(b.create_time, b.session_id);
      });
      if (static_cast<int>(all.size()) > q.limit) all.resize(q.limit);
      return all;
    }
    absl::Status Insert(const SessionRecord& r) override {
      if (!data.sessions.emplace(r.session_id, r).second) {
        return absl::AlreadyExistsError(r.session_id);
      }
      DeleteInvitationsOf(r.session_id);
      return absl::OkStatus();
    }
    absl::Status Update(const SessionRecord& r, int64_t expected_version) override {
      auto it = data.sessions.find(r.session_id);
      if (it == data.sessions.end()) return absl::NotFoundError(r.session_id);
      if (it->second.version != expected_version) return absl::AbortedError(r.session_id);
      it->second = r;
      return absl::OkStatus();
    }
    absl::Status Delete(const std::string& id) override {
      if (data.sessions.erase(id) == 0) return absl::NotFoundError(id);
      DeleteInvitationsOf(id);
      return absl::OkStatus();
    }
    absl::StatusOr<std::optional<SessionRecord>> GetLocked(const std::string& id, bool) override {
      return Get(id);
    }
    absl::Status PinModel(const std::string& sid, const std::string& hash,
                          const std::string& content) override {
      data.pinned[sid] = {hash, content};
      return absl::OkStatus();
    }
    absl::StatusOr<std::optional<std::pair<std::string, std::string>>> GetPinnedModel(
        const std::string& sid) override {
      auto it = data.pinned.find(sid);
      if (it == data.pinned.end()) return std::nullopt;
      return it->second;
    }
    absl::StatusOr<std::optional<ParticipantRecord>> GetParticipant(
        const std::string& sid, const std::string& pid) override {
      auto it = data.participants.find({sid, pid});
      if (it == data.participants.end()) return std::nullopt;
      return it->second;
    }
    absl::StatusOr<bool> HasParticipantBoundTo(const std::string& sid,
                                               const std::string& principal) override {
      for (const auto& [key, r] : data.participants) {
        if (key.first == sid && !principal.empty() && r.principal == principal) return true;
      }
      return false;
    }
    // Transactions here run one at a time.
    absl::Status HoldParticipant(const std::string&, const std::string&) override {
      return absl::OkStatus();
    }
    absl::StatusOr<std::vector<ParticipantRecord>> ListParticipants(
        const std::string& sid) override {
      std::vector<ParticipantRecord> out;
      for (const auto& [key, r] : data.participants) {
        if (key.first == sid) out.push_back(r);
      }
      return out;
    }
    absl::StatusOr<int> CountParticipants(const std::string& sid) override {
      return static_cast<int>(std::count_if(data.participants.begin(), data.participants.end(),
                                            [&](const auto& e) { return e.first.first == sid; }));
    }
    absl::Status InsertParticipant(const std::string& sid, const ParticipantRecord& r) override {
      if (!data.participants.emplace(std::make_pair(sid, r.participant_id), r).second) {
        return absl::AlreadyExistsError(r.participant_id);
      }
      return absl::OkStatus();
    }
    absl::Status UpdateParticipant(const std::string& sid, const ParticipantRecord& r,
                                   int64_t expected_version) override {
      auto it = data.participants.find({sid, r.participant_id});
      if (it == data.participants.end() || it->second.version != expected_version) {
        return absl::AbortedError(r.participant_id);
      }
      it->second = r;
      return absl::OkStatus();
    }
    absl::Status DeleteParticipant(const std::string& sid, const std::string& pid) override {
      if (data.participants.erase({sid, pid}) == 0) return absl::NotFoundError(pid);
      std::erase_if(data.answers, [&](const auto& e) {
        return std::get<0>(e.first) == sid && std::get<1>(e.first) == pid;
      });
      std::erase_if(data.invitations, [&](const auto& e) {
        return e.first.first == sid && e.second.participant_id == pid;
      });
      return absl::OkStatus();
    }
    absl::StatusOr<std::vector<std::string>> ListRounds(const std::string& sid) override {
      std::vector<std::string> out;
      for (const auto& [key, body] : data.rounds) {
        if (key.first == sid) out.push_back(body);
      }
      return out;
    }
    absl::Status PutRound(const std::string& sid, int number, const std::string& body) override {
      data.rounds[{sid, number}] = body;
      return absl::OkStatus();
    }
    absl::Status WriteAnswers(const std::string& sid, std::vector<AnswerRecord>& records) override {
      for (AnswerRecord& r : records) {
        if (!data.participants.count({sid, r.participant_id})) {
          return absl::FailedPreconditionError("participant gone");
        }
        r.seq = ++data.seq;
        data.answers[{sid, r.participant_id, r.item_id, r.round}] = r;
      }
      return absl::OkStatus();
    }
    absl::StatusOr<std::vector<AnswerRecord>> ListAnswers(
        const std::string& sid, const std::optional<std::string>& pid) override {
      std::vector<AnswerRecord> out;
      for (const auto& [key, r] : data.answers) {
        if (std::get<0>(key) == sid && (!pid || std::get<1>(key) == *pid)) out.push_back(r);
      }
      return out;
    }
    absl::StatusOr<std::vector<AnswerRecord>> ListAnswerPage(const std::string& sid,
                                                             const AnswerQuery& q) override {
      // The rows in the store's order, then the same selection the SQL makes.
      std::map<std::pair<std::string, std::string>, const AnswerRecord*> latest;
      std::vector<const AnswerRecord*> selected;
      auto current_round = [&](const std::string& item) {
        for (const auto& [id, number] : q.item_rounds) {
          if (id == item) return number;
        }
        return 1;
      };
      for (const auto& [key, r] : data.answers) {
        if (std::get<0>(key) != sid) continue;
        if (q.participant_id && r.participant_id != *q.participant_id) continue;
        if (!q.item_ids.empty() &&
            std::find(q.item_ids.begin(), q.item_ids.end(), r.item_id) == q.item_ids.end()) {
          continue;
        }
        if (q.in_force) {
          if (!r.withdrawn && r.round == current_round(r.item_id)) selected.push_back(&r);
        } else if (q.all_rounds || (q.round != 0 && r.round == q.round)) {
          if (!r.withdrawn) selected.push_back(&r);
        } else if (q.round == 0) {
          // The latest round decides, withdrawn or not.
          const AnswerRecord*& best = latest[{r.participant_id, r.item_id}];
          if (!best || r.round > best->round) best = &r;
        }
      }
      for (const auto& [key, r] : latest) {
        if (!r->withdrawn) selected.push_back(r);
      }
      std::vector<AnswerRecord> out;
      size_t skipped = 0;
      for (const AnswerRecord* r : selected) {
        if (q.after && std::make_tuple(r->participant_id, r->item_id, r->round) <= *q.after) {
          continue;
        }
        if (!q.after && skipped++ < q.offset) continue;
        if (out.size() == q.limit) break;
        out.push_back(*r);
      }
      return out;
    }
    absl::Status InsertFinalAnswers(const std::string& sid,
                                    const std::vector<AnswerRecord>& records) override {
      auto& kept = data.final_answers[sid];
      kept.insert(kept.end(), records.begin(), records.end());
      return absl::OkStatus();
    }
    absl::Status InsertInvitation(const std::string& sid, const InvitationRecord& r) override {
      data.invitations[{sid, r.invitation_id}] = r;
      return absl::OkStatus();
    }
    absl::StatusOr<std::vector<InvitationRecord>> ListInvitations(const std::string& sid) override {
      std::vector<InvitationRecord> out;
      for (const auto& [key, r] : data.invitations) {
        if (key.first == sid) out.push_back(r);
      }
      return out;
    }
    absl::Status UpdateInvitation(const std::string& sid, const InvitationRecord& r) override {
      auto it = data.invitations.find({sid, r.invitation_id});
      if (it == data.invitations.end()) return absl::NotFoundError(r.invitation_id);
      it->second = r;
      return absl::OkStatus();
    }
    absl::Status AddOutboxEvent(const OutboxEvent& e) override {
      data.outbox.push_back(e);
      return absl::OkStatus();
    }
    absl::StatusOr<std::optional<IdempotentReply>> FindReply(const std::string& id) override {
      auto it = data.replies.find(id);
      if (it == data.replies.end()) return std::nullopt;
      return it->second;
    }
    absl::Status RecordReply(const std::string& id, const IdempotentReply& reply) override {
      data.replies[id] = reply;
      return absl::OkStatus();
    }
  };

  absl::Mutex mu_;
  std::map<std::string, TenantData> data_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> transactions_ ABSL_GUARDED_BY(mu_);
  CommitCheck check_commit_ ABSL_GUARDED_BY(mu_);
  absl::Mutex committed_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::map<std::string, int64_t> committed_seq_ ABSL_GUARDED_BY(committed_mu_);
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_FAKE_SESSION_STORE_H_
