#include "services/session/session_service.h"

#include "common/unary.h"

namespace lagom::session {

grpc::ServerUnaryReactor* SessionServiceImpl::CreateSession(
    grpc::CallbackServerContext* ctx, const session_api::CreateSessionRequest* req,
    session_api::CreateSessionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "CreateSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetSession(grpc::CallbackServerContext* ctx,
                                                         const session_api::GetSessionRequest* req,
                                                         session_api::GetSessionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "GetSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListSessions(
    grpc::CallbackServerContext* ctx, const session_api::ListSessionsRequest* req,
    session_api::ListSessionsResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ListSessions");
}

grpc::ServerUnaryReactor* SessionServiceImpl::UpdateSession(
    grpc::CallbackServerContext* ctx, const session_api::UpdateSessionRequest* req,
    session_api::UpdateSessionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "UpdateSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::DeleteSession(
    grpc::CallbackServerContext* ctx, const session_api::DeleteSessionRequest* req,
    session_api::DeleteSessionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "DeleteSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::OpenSession(
    grpc::CallbackServerContext* ctx, const session_api::OpenSessionRequest* req,
    session_api::OpenSessionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "OpenSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::CloseSession(
    grpc::CallbackServerContext* ctx, const session_api::CloseSessionRequest* req,
    session_api::CloseSessionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "CloseSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ArchiveSession(
    grpc::CallbackServerContext* ctx, const session_api::ArchiveSessionRequest* req,
    session_api::ArchiveSessionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ArchiveSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetSessionProgress(
    grpc::CallbackServerContext* ctx, const session_api::GetSessionProgressRequest* req,
    session_api::GetSessionProgressResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "GetSessionProgress");
}

grpc::ServerWriteReactor<session_api::WatchSessionResponse>* SessionServiceImpl::WatchSession(
    grpc::CallbackServerContext* ctx, const session_api::WatchSessionRequest* req) {
  return NotImplementedYetStream<session_api::WatchSessionResponse>(ctx, admitter_, *req,
                                                                    "WatchSession");
}

grpc::ServerUnaryReactor* SessionServiceImpl::CreateParticipant(
    grpc::CallbackServerContext* ctx, const session_api::CreateParticipantRequest* req,
    session_api::CreateParticipantResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "CreateParticipant");
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetParticipant(
    grpc::CallbackServerContext* ctx, const session_api::GetParticipantRequest* req,
    session_api::GetParticipantResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "GetParticipant");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListParticipants(
    grpc::CallbackServerContext* ctx, const session_api::ListParticipantsRequest* req,
    session_api::ListParticipantsResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ListParticipants");
}

grpc::ServerUnaryReactor* SessionServiceImpl::UpdateParticipant(
    grpc::CallbackServerContext* ctx, const session_api::UpdateParticipantRequest* req,
    session_api::UpdateParticipantResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "UpdateParticipant");
}

grpc::ServerUnaryReactor* SessionServiceImpl::DeleteParticipant(
    grpc::CallbackServerContext* ctx, const session_api::DeleteParticipantRequest* req,
    session_api::DeleteParticipantResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "DeleteParticipant");
}

grpc::ServerUnaryReactor* SessionServiceImpl::CompleteParticipant(
    grpc::CallbackServerContext* ctx, const session_api::CompleteParticipantRequest* req,
    session_api::CompleteParticipantResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "CompleteParticipant");
}

grpc::ServerUnaryReactor* SessionServiceImpl::CreateInvitation(
    grpc::CallbackServerContext* ctx, const session_api::CreateInvitationRequest* req,
    session_api::CreateInvitationResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "CreateInvitation");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListInvitations(
    grpc::CallbackServerContext* ctx, const session_api::ListInvitationsRequest* req,
    session_api::ListInvitationsResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ListInvitations");
}

grpc::ServerUnaryReactor* SessionServiceImpl::RevokeInvitation(
    grpc::CallbackServerContext* ctx, const session_api::RevokeInvitationRequest* req,
    session_api::RevokeInvitationResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "RevokeInvitation");
}

grpc::ServerUnaryReactor* SessionServiceImpl::AcceptInvitation(
    grpc::CallbackServerContext* ctx, const session_api::AcceptInvitationRequest* req,
    session_api::AcceptInvitationResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "AcceptInvitation");
}

grpc::ServerUnaryReactor* SessionServiceImpl::SubmitAnswer(
    grpc::CallbackServerContext* ctx, const session_api::SubmitAnswerRequest* req,
    session_api::SubmitAnswerResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "SubmitAnswer");
}

grpc::ServerUnaryReactor* SessionServiceImpl::BatchSubmitAnswers(
    grpc::CallbackServerContext* ctx, const session_api::BatchSubmitAnswersRequest* req,
    session_api::BatchSubmitAnswersResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "BatchSubmitAnswers");
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetAnswer(grpc::CallbackServerContext* ctx,
                                                        const session_api::GetAnswerRequest* req,
                                                        session_api::GetAnswerResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "GetAnswer");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListAnswers(
    grpc::CallbackServerContext* ctx, const session_api::ListAnswersRequest* req,
    session_api::ListAnswersResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ListAnswers");
}

grpc::ServerUnaryReactor* SessionServiceImpl::DeleteAnswer(
    grpc::CallbackServerContext* ctx, const session_api::DeleteAnswerRequest* req,
    session_api::DeleteAnswerResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "DeleteAnswer");
}

grpc::ServerUnaryReactor* SessionServiceImpl::StartRound(grpc::CallbackServerContext* ctx,
                                                         const session_api::StartRoundRequest* req,
                                                         session_api::StartRoundResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "StartRound");
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetRound(grpc::CallbackServerContext* ctx,
                                                       const session_api::GetRoundRequest* req,
                                                       session_api::GetRoundResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "GetRound");
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListRounds(grpc::CallbackServerContext* ctx,
                                                         const session_api::ListRoundsRequest* req,
                                                         session_api::ListRoundsResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ListRounds");
}

grpc::ServerUnaryReactor* SessionServiceImpl::RevealItemDistribution(
    grpc::CallbackServerContext* ctx, const session_api::RevealItemDistributionRequest* req,
    session_api::RevealItemDistributionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "RevealItemDistribution");
}

}  // namespace lagom::session
