// Answers, rounds and live progress of sessions. Every acknowledged answer is in the
// PostgreSQL journal before the call returns: concurrent submissions of one tenant are
// written in one transaction (group commit), and a batch that fails as a whole is retried one
// submission at a time so each gets its own verdict. The live state hears of each committed
// change afterwards.
//
// Submissions are written by the core's own writer threads: a caller's thread checks the
// request and queues it, and a writer takes whatever is queued as the next batch. The *Async
// methods return at once and report on a writer thread, so a gRPC handler hands its call over
// without a thread of its own waiting for the commit (on two shared cores every thread switch
// per call is a large part of the call's cost).
#ifndef LAGOM_SERVICES_SESSION_CORE_ANSWER_CORE_H_
#define LAGOM_SERVICES_SESSION_CORE_ANSWER_CORE_H_

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/request_context.h"
#include "lagom/session/v1/session.pb.h"
#include "services/session/core/live_state.h"
#include "services/session/core/session_common.h"
#include "services/session/core/session_store.h"

namespace lagom::session {

class AnswerCore final {
 public:
  using Clock = std::function<absl::Time()>;
  // The outcome of a submission, called once on a writer thread (or at once on the caller's
  // when the request is refused before it is queued), after the response is filled.
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // At most `max_batch` submissions share one transaction, and at most `max_writers`
  // transactions run at once (one more writer thread updates the live state of a committed
  // batch meanwhile). `pseudonym_key` (a secret every replica shares) keys the pseudonyms that
  // stand for participants in anonymous sessions.
  AnswerCore(SessionStore& store, ModelIndexCache& models, LiveState& live,
             std::string pseudonym_key, Clock clock = absl::Now, int max_batch = 64,
             int max_writers = 1);
  // Writes what is queued, then stops the writer threads.
  ~AnswerCore();
  AnswerCore(const AnswerCore&) = delete;
  AnswerCore& operator=(const AnswerCore&) = delete;

  // The request and response must outlive `done` (gRPC's callback API keeps both until the
  // call is finished).
  void SubmitAnswerAsync(const RequestContext& rc, const api::SubmitAnswerRequest& req,
                         api::SubmitAnswerResponse* resp, Done done);
  void BatchSubmitAnswersAsync(const RequestContext& rc, const api::BatchSubmitAnswersRequest& req,
                               api::BatchSubmitAnswersResponse* resp, Done done);
  void DeleteAnswerAsync(const RequestContext& rc, const api::DeleteAnswerRequest& req,
                         api::DeleteAnswerResponse* resp, Done done);

  // The same, waiting for the outcome.
  absl::Status SubmitAnswer(const RequestContext& rc, const api::SubmitAnswerRequest& req,
                            api::SubmitAnswerResponse* resp);
  absl::Status BatchSubmitAnswers(const RequestContext& rc,
                                  const api::BatchSubmitAnswersRequest& req,
                                  api::BatchSubmitAnswersResponse* resp);
  absl::Status GetAnswer(const RequestContext& rc, const api::GetAnswerRequest& req,
                         api::GetAnswerResponse* resp);
  absl::Status ListAnswers(const RequestContext& rc, const api::ListAnswersRequest& req,
                           api::ListAnswersResponse* resp);
  // ListAnswers with the response serialized (see answer_page.h): what the gRPC method sends.
  absl::Status ListAnswersWire(const RequestContext& rc, const api::ListAnswersRequest& req,
                               std::string* wire);
  absl::Status DeleteAnswer(const RequestContext& rc, const api::DeleteAnswerRequest& req,
                            api::DeleteAnswerResponse* resp);

  absl::Status StartRound(const RequestContext& rc, const api::StartRoundRequest& req,
                          api::StartRoundResponse* resp);
  absl::Status GetRound(const RequestContext& rc, const api::GetRoundRequest& req,
                        api::GetRoundResponse* resp);
  absl::Status ListRounds(const RequestContext& rc, const api::ListRoundsRequest& req,
                          api::ListRoundsResponse* resp);
  absl::Status RevealItemDistribution(const RequestContext& rc,
                                      const api::RevealItemDistributionRequest& req,
                                      api::RevealItemDistributionResponse* resp);

  absl::Status GetSessionProgress(const RequestContext& rc,
                                  const api::GetSessionProgressRequest& req,
                                  api::GetSessionProgressResponse* resp);

 private:
  // One submission (SubmitAnswer, BatchSubmitAnswers or DeleteAnswer) waiting for a
  // transaction.
  struct Write;
  struct WriteOutcome;

  // Checks a request; nullptr and `done` called with the refusal when it is refused.
  std::unique_ptr<Write> PrepareSubmit(const RequestContext& rc,
                                       const api::SubmitAnswerRequest& req,
                                       api::SubmitAnswerResponse* resp, Done& done);
  std::unique_ptr<Write> PrepareBatch(const RequestContext& rc,
                                      const api::BatchSubmitAnswersRequest& req,
                                      api::BatchSubmitAnswersResponse* resp, Done& done);
  std::unique_ptr<Write> PrepareDelete(const RequestContext& rc,
                                       const api::DeleteAnswerRequest& req,
                                       api::DeleteAnswerResponse* resp, Done& done);
  static std::unique_ptr<Write> Refused(Done& done, absl::Status status);
  static std::unique_ptr<Write> NewWrite(const RequestContext& rc,
                                         std::pair<std::string, std::string> ids,
                                         std::string parent, const std::string& request_id,
                                         absl::string_view method,
                                         const google::protobuf::Message& request,
                                         google::protobuf::Message* response, Done& done);
  // Queues `w` for a writer thread.
  void Enqueue(std::unique_ptr<Write> w);
  // A writer thread: takes batches until the core is stopped and nothing is queued.
  void WriterLoop();
  // Runs `batch` (one tenant) in one transaction; on a failure of the transaction itself,
  // each write alone. Appends the committed changes for the live state to `changed`.
  // `announced` confirms the live state's announcement of the batch; called before a commit.
  void RunBatch(const std::vector<Write*>& batch, const std::function<void()>& announced,
                std::vector<std::pair<LiveSession, std::vector<AnswerChange>>>& changed);
  absl::Status RunInTransaction(
      const std::vector<Write*>& batch, const std::function<void()>& announced,
      std::vector<std::pair<LiveSession, std::vector<AnswerChange>>>& changes);

  SessionStore& store_;
  ModelIndexCache& models_;
  LiveState& live_;
  const std::string pseudonym_key_;
  Clock clock_;
  const int max_batch_;
  const int max_writers_;

  absl::Mutex mu_;
  std::deque<Write*> queue_ ABSL_GUARDED_BY(mu_);  // owned
  int writers_ ABSL_GUARDED_BY(mu_) = 0;           // batches being written
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_ANSWER_CORE_H_
