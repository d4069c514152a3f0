// Answers, rounds and live progress of sessions. Every acknowledged answer is in the
// PostgreSQL journal before the call returns: concurrent submissions of one tenant are
// written in one transaction (group commit), and a batch that fails as a whole is retried one
// submission at a time so each gets its own verdict. The live state hears of each committed
// change afterwards.
#ifndef LAGOM_SERVICES_SESSION_CORE_ANSWER_CORE_H_
#define LAGOM_SERVICES_SESSION_CORE_ANSWER_CORE_H_

#include <algorithm>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
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
  // At most `max_batch` submissions share one transaction, and at most `max_writers`
  // transactions run at once. `pseudonym_key` (a secret every replica shares) keys the
  // pseudonyms that stand for participants in anonymous sessions.
  AnswerCore(SessionStore& store, ModelIndexCache& models, LiveState& live,
             std::string pseudonym_key, Clock clock = absl::Now, int max_batch = 64,
             int max_writers = 1)
      : store_(store),
        models_(models),
        live_(live),
        pseudonym_key_(std::move(pseudonym_key)),
        clock_(std::move(clock)),
        max_batch_(std::max(max_batch, 1)),
        max_writers_(std::max(max_writers, 1)) {}

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

  absl::Status Enqueue(Write& w);
  // Runs `batch` (one tenant) in one transaction; on a failure of the transaction itself,
  // each write alone. Appends the committed changes for the live state to `changed`.
  void RunBatch(const std::vector<Write*>& batch,
                std::vector<std::pair<LiveSession, std::vector<AnswerChange>>>& changed);
  absl::Status RunInTransaction(
      const std::vector<Write*>& batch,
      std::vector<std::pair<LiveSession, std::vector<AnswerChange>>>& changes);

  SessionStore& store_;
  ModelIndexCache& models_;
  LiveState& live_;
  const std::string pseudonym_key_;
  Clock clock_;
  const int max_batch_;
  const int max_writers_;

  absl::Mutex mu_;
  std::deque<Write*> queue_ ABSL_GUARDED_BY(mu_);
  int writers_ ABSL_GUARDED_BY(mu_) = 0;  // batches being written
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_ANSWER_CORE_H_
