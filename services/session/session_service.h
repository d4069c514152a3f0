// gRPC adapter of lagom.session.v1.SessionService.
#ifndef LAGOM_SERVICES_SESSION_SESSION_SERVICE_H_
#define LAGOM_SERVICES_SESSION_SESSION_SERVICE_H_

#include "common/executor.h"
#include "common/request_context.h"
#include "lagom/session/v1/session.grpc.pb.h"
#include "services/session/core/answer_core.h"
#include "services/session/core/answer_values.h"
#include "services/session/core/participant_core.h"
#include "services/session/core/session_core.h"
#include "services/session/watch_reactor.h"

namespace lagom::session {

namespace session_api = ::lagom::session::v1;

// ListAnswers and ListAnswerValues send their pages as the core serializes them (see
// core/answer_page.h) and WatchSession events serialized once per replica (see
// live/shared_event.h), hence their raw (ByteBuffer) methods.
class SessionServiceImpl final
    : public session_api::SessionService::WithRawCallbackMethod_ListAnswers<
          session_api::SessionService::WithRawCallbackMethod_ListAnswerValues<
              session_api::SessionService::WithRawCallbackMethod_WatchSession<
                  session_api::SessionService::CallbackService>>> {
 public:
  SessionServiceImpl(const CallAdmitter& admitter, Executor& executor, SessionCore& sessions,
                     ParticipantCore& participants, AnswerCore& answers,
                     AnswerValuesCore& answer_values, WatchDeps watch)
      : admitter_(admitter),
        executor_(executor),
        sessions_(sessions),
        participants_(participants),
        answers_(answers),
        answer_values_(answer_values),
        watch_(std::move(watch)) {}

  // Every RPC is admitted (authenticated, authorised, rate-limited), then runs in its core on
  // the executor (cores block on PostgreSQL and Redis); submissions are queued for the answer
  // core's writer threads instead, which finish the calls.
  grpc::ServerUnaryReactor* CreateSession(grpc::CallbackServerContext* ctx,
                                          const session_api::CreateSessionRequest* req,
                                          session_api::CreateSessionResponse* resp) override;
  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* ctx,
                                       const session_api::GetSessionRequest* req,
                                       session_api::GetSessionResponse* resp) override;
  grpc::ServerUnaryReactor* ListSessions(grpc::CallbackServerContext* ctx,
                                         const session_api::ListSessionsRequest* req,
                                         session_api::ListSessionsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateSession(grpc::CallbackServerContext* ctx,
                                          const session_api::UpdateSessionRequest* req,
                                          session_api::UpdateSessionResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteSession(grpc::CallbackServerContext* ctx,
                                          const session_api::DeleteSessionRequest* req,
                                          session_api::DeleteSessionResponse* resp) override;
  grpc::ServerUnaryReactor* OpenSession(grpc::CallbackServerContext* ctx,
                                        const session_api::OpenSessionRequest* req,
                                        session_api::OpenSessionResponse* resp) override;
  grpc::ServerUnaryReactor* CloseSession(grpc::CallbackServerContext* ctx,
                                         const session_api::CloseSessionRequest* req,
                                         session_api::CloseSessionResponse* resp) override;
  grpc::ServerUnaryReactor* ArchiveSession(grpc::CallbackServerContext* ctx,
                                           const session_api::ArchiveSessionRequest* req,
                                           session_api::ArchiveSessionResponse* resp) override;
  grpc::ServerUnaryReactor* GetSessionProgress(
      grpc::CallbackServerContext* ctx, const session_api::GetSessionProgressRequest* req,
      session_api::GetSessionProgressResponse* resp) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchSession(grpc::CallbackServerContext* ctx,
                                                           const grpc::ByteBuffer* req) override;
  grpc::ServerUnaryReactor* CreateParticipant(
      grpc::CallbackServerContext* ctx, const session_api::CreateParticipantRequest* req,
      session_api::CreateParticipantResponse* resp) override;
  grpc::ServerUnaryReactor* GetParticipant(grpc::CallbackServerContext* ctx,
                                           const session_api::GetParticipantRequest* req,
                                           session_api::GetParticipantResponse* resp) override;
  grpc::ServerUnaryReactor* ListParticipants(grpc::CallbackServerContext* ctx,
                                             const session_api::ListParticipantsRequest* req,
                                             session_api::ListParticipantsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateParticipant(
      grpc::CallbackServerContext* ctx, const session_api::UpdateParticipantRequest* req,
      session_api::UpdateParticipantResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteParticipant(
      grpc::CallbackServerContext* ctx, const session_api::DeleteParticipantRequest* req,
      session_api::DeleteParticipantResponse* resp) override;
  grpc::ServerUnaryReactor* CompleteParticipant(
      grpc::CallbackServerContext* ctx, const session_api::CompleteParticipantRequest* req,
      session_api::CompleteParticipantResponse* resp) override;
  grpc::ServerUnaryReactor* CreateInvitation(grpc::CallbackServerContext* ctx,
                                             const session_api::CreateInvitationRequest* req,
                                             session_api::CreateInvitationResponse* resp) override;
  grpc::ServerUnaryReactor* ListInvitations(grpc::CallbackServerContext* ctx,
                                            const session_api::ListInvitationsRequest* req,
                                            session_api::ListInvitationsResponse* resp) override;
  grpc::ServerUnaryReactor* RevokeInvitation(grpc::CallbackServerContext* ctx,
                                             const session_api::RevokeInvitationRequest* req,
                                             session_api::RevokeInvitationResponse* resp) override;
  grpc::ServerUnaryReactor* AcceptInvitation(grpc::CallbackServerContext* ctx,
                                             const session_api::AcceptInvitationRequest* req,
                                             session_api::AcceptInvitationResponse* resp) override;
  grpc::ServerUnaryReactor* SubmitAnswer(grpc::CallbackServerContext* ctx,
                                         const session_api::SubmitAnswerRequest* req,
                                         session_api::SubmitAnswerResponse* resp) override;
  grpc::ServerUnaryReactor* BatchSubmitAnswers(
      grpc::CallbackServerContext* ctx, const session_api::BatchSubmitAnswersRequest* req,
      session_api::BatchSubmitAnswersResponse* resp) override;
  grpc::ServerUnaryReactor* GetAnswer(grpc::CallbackServerContext* ctx,
                                      const session_api::GetAnswerRequest* req,
                                      session_api::GetAnswerResponse* resp) override;
  grpc::ServerUnaryReactor* ListAnswers(grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* req,
                                        grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* ListAnswerValues(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* DeleteAnswer(grpc::CallbackServerContext* ctx,
                                         const session_api::DeleteAnswerRequest* req,
                                         session_api::DeleteAnswerResponse* resp) override;
  grpc::ServerUnaryReactor* StartRound(grpc::CallbackServerContext* ctx,
                                       const session_api::StartRoundRequest* req,
                                       session_api::StartRoundResponse* resp) override;
  grpc::ServerUnaryReactor* GetRound(grpc::CallbackServerContext* ctx,
                                     const session_api::GetRoundRequest* req,
                                     session_api::GetRoundResponse* resp) override;
  grpc::ServerUnaryReactor* ListRounds(grpc::CallbackServerContext* ctx,
                                       const session_api::ListRoundsRequest* req,
                                       session_api::ListRoundsResponse* resp) override;
  grpc::ServerUnaryReactor* RevealItemDistribution(
      grpc::CallbackServerContext* ctx, const session_api::RevealItemDistributionRequest* req,
      session_api::RevealItemDistributionResponse* resp) override;

 private:
  const CallAdmitter& admitter_;
  Executor& executor_;
  SessionCore& sessions_;
  ParticipantCore& participants_;
  AnswerCore& answers_;
  AnswerValuesCore& answer_values_;
  const WatchDeps watch_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_SESSION_SERVICE_H_
