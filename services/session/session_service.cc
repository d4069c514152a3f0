#include "services/session/session_service.h"

#include "common/unary.h"

namespace lagom::session {

grpc::ServerUnaryReactor* SessionServiceImpl::CreateSession(
    grpc::CallbackServerContext* ctx, const session_api::CreateSessionRequest*,
    session_api::CreateSessionResponse*) {
  return NotImplementedYet(ctx, "CreateSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetSession(grpc::CallbackServerContext* ctx,
                                                         const session_api::GetSessionRequest*,
                                                         session_api::GetSessionResponse*) {
  return NotImplementedYet(ctx, "GetSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListSessions(grpc::CallbackServerContext* ctx,
                                                           const session_api::ListSessionsRequest*,
                                                           session_api::ListSessionsResponse*) {
  return NotImplementedYet(ctx, "ListSessions");
}

grpc::ServerUnaryReactor* SessionServiceImpl::UpdateSession(
    grpc::CallbackServerContext* ctx, const session_api::UpdateSessionRequest*,
    session_api::UpdateSessionResponse*) {
  return NotImplementedYet(ctx, "UpdateSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::DeleteSession(
    grpc::CallbackServerContext* ctx, const session_api::DeleteSessionRequest*,
    session_api::DeleteSessionResponse*) {
  return NotImplementedYet(ctx, "DeleteSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::OpenSession(grpc::CallbackServerContext* ctx,
                                                          const session_api::OpenSessionRequest*,
                                                          session_api::OpenSessionResponse*) {
  return NotImplementedYet(ctx, "OpenSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::CloseSession(grpc::CallbackServerContext* ctx,
                                                           const session_api::CloseSessionRequest*,
                                                           session_api::CloseSessionResponse*) {
  return NotImplementedYet(ctx, "CloseSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ArchiveSession(
    grpc::CallbackServerContext* ctx, const session_api::ArchiveSessionRequest*,
    session_api::ArchiveSessionResponse*) {
  return NotImplementedYet(ctx, "ArchiveSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetSessionProgress(
    grpc::CallbackServerContext* ctx, const session_api::GetSessionProgressRequest*,
    session_api::GetSessionProgressResponse*) {
  return NotImplementedYet(ctx, "GetSessionProgress");
}

grpc::ServerWriteReactor<session_api::WatchSessionResponse>* SessionServiceImpl::WatchSession(
    grpc::CallbackServerContext* ctx, const session_api::WatchSessionRequest*) {
  return NotImplementedYetStream<session_api::WatchSessionResponse>(ctx, "WatchSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::CreateParticipant(
    grpc::CallbackServerContext* ctx, const session_api::CreateParticipantRequest*,
    session_api::CreateParticipantResponse*) {
  return NotImplementedYet(ctx, "CreateParticipant");
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetParticipant(
    grpc::CallbackServerContext* ctx, const session_api::GetParticipantRequest*,
    session_api::GetParticipantResponse*) {
  return NotImplementedYet(ctx, "GetParticipant");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListParticipants(
    grpc::CallbackServerContext* ctx, const session_api::ListParticipantsRequest*,
    session_api::ListParticipantsResponse*) {
  return NotImplementedYet(ctx, "ListParticipants");
}

grpc::ServerUnaryReactor* SessionServiceImpl::UpdateParticipant(
    grpc::CallbackServerContext* ctx, const session_api::UpdateParticipantRequest*,
    session_api::UpdateParticipantResponse*) {
  return NotImplementedYet(ctx, "UpdateParticipant");
}

grpc::ServerUnaryReactor* SessionServiceImpl::DeleteParticipant(
    grpc::CallbackServerContext* ctx, const session_api::DeleteParticipantRequest*,
    session_api::DeleteParticipantResponse*) {
  return NotImplementedYet(ctx, "DeleteParticipant");
}

grpc::ServerUnaryReactor* SessionServiceImpl::CompleteParticipant(
    grpc::CallbackServerContext* ctx, const session_api::CompleteParticipantRequest*,
    session_api::CompleteParticipantResponse*) {
  return NotImplementedYet(ctx, "CompleteParticipant");
}

grpc::ServerUnaryReactor* SessionServiceImpl::CreateInvitation(
    grpc::CallbackServerContext* ctx, const session_api::CreateInvitationRequest*,
    session_api::CreateInvitationResponse*) {
  return NotImplementedYet(ctx, "CreateInvitation");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListInvitations(
    grpc::CallbackServerContext* ctx, const session_api::ListInvitationsRequest*,
    session_api::ListInvitationsResponse*) {
  return NotImplementedYet(ctx, "ListInvitations");
}

grpc::ServerUnaryReactor* SessionServiceImpl::RevokeInvitation(
    grpc::CallbackServerContext* ctx, const session_api::RevokeInvitationRequest*,
    session_api::RevokeInvitationResponse*) {
  return NotImplementedYet(ctx, "RevokeInvitation");
}

grpc::ServerUnaryReactor* SessionServiceImpl::AcceptInvitation(
    grpc::CallbackServerContext* ctx, const session_api::AcceptInvitationRequest*,
    session_api::AcceptInvitationResponse*) {
  return NotImplementedYet(ctx, "AcceptInvitation");
}

grpc::ServerUnaryReactor* SessionServiceImpl::SubmitAnswer(grpc::CallbackServerContext* ctx,
                                                           const session_api::SubmitAnswerRequest*,
                                                           session_api::SubmitAnswerResponse*) {
  return NotImplementedYet(ctx, "SubmitAnswer");
}

grpc::ServerUnaryReactor* SessionServiceImpl::BatchSubmitAnswers(
    grpc::CallbackServerContext* ctx, const session_api::BatchSubmitAnswersRequest*,
    session_api::BatchSubmitAnswersResponse*) {
  return NotImplementedYet(ctx, "BatchSubmitAnswers");
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetAnswer(grpc::CallbackServerContext* ctx,
                                                        const session_api::GetAnswerRequest*,
                                                        session_api::GetAnswerResponse*) {
  return NotImplementedYet(ctx, "GetAnswer");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListAnswers(grpc::CallbackServerContext* ctx,
                                                          const session_api::ListAnswersRequest*,
                                                          session_api::ListAnswersResponse*) {
  return NotImplementedYet(ctx, "ListAnswers");
}

grpc::ServerUnaryReactor* SessionServiceImpl::DeleteAnswer(grpc::CallbackServerContext* ctx,
                                                           const session_api::DeleteAnswerRequest*,
                                                           session_api::DeleteAnswerResponse*) {
  return NotImplementedYet(ctx, "DeleteAnswer");
}

grpc::ServerUnaryReactor* SessionServiceImpl::StartRound(grpc::CallbackServerContext* ctx,
                                                         const session_api::StartRoundRequest*,
                                                         session_api::StartRoundResponse*) {
  return NotImplementedYet(ctx, "StartRound");
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetRound(grpc::CallbackServerContext* ctx,
                                                       const session_api::GetRoundRequest*,
                                                       session_api::GetRoundResponse*) {
  return NotImplementedYet(ctx, "GetRound");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListRounds(grpc::CallbackServerContext* ctx,
                                                         const session_api::ListRoundsRequest*,
                                                         session_api::ListRoundsResponse*) {
  return NotImplementedYet(ctx, "ListRounds");
}

grpc::ServerUnaryReactor* SessionServiceImpl::RevealItemDistribution(
    grpc::CallbackServerContext* ctx, const session_api::RevealItemDistributionRequest*,
    session_api::RevealItemDistributionResponse*) {
  return NotImplementedYet(ctx, "RevealItemDistribution");
}

}  // namespace lagom::session
