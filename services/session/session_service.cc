#include "services/session/session_service.h"

#include <grpcpp/support/byte_buffer.h>

#include <memory>
#include <string>

#include "common/unary.h"
#include "services/session/watch_reactor.h"

namespace lagom::session {
namespace {

// The bytes, handed to gRPC without a copy.
grpc::ByteBuffer ToByteBuffer(std::unique_ptr<std::string> bytes) {
  std::string* owned = bytes.release();
  grpc::Slice slice(
      owned->data(), owned->size(), [](void* s) { delete static_cast<std::string*>(s); }, owned);
  return grpc::ByteBuffer(&slice, 1);
}

// Parses a raw method's request. The status is what a typed method answers to a request it
// cannot parse.
template <typename Request>
grpc::Status ParseRaw(const grpc::ByteBuffer& raw, Request* out) {
  grpc::ByteBuffer received(raw);  // shares the slices; Deserialize consumes its argument
  return grpc::SerializationTraits<Request>::Deserialize(&received, out);
}

// A raw unary method whose core writes the response's bytes: `serve(rc, request, &bytes)`.
template <typename Request, typename Serve>
grpc::ServerUnaryReactor* ServeWire(grpc::CallbackServerContext* ctx, const CallAdmitter& admitter,
                                    Executor& executor, const grpc::ByteBuffer& raw,
                                    grpc::ByteBuffer* resp, Serve serve) {
  auto request = std::make_unique<Request>();
  if (grpc::Status s = ParseRaw(raw, request.get()); !s.ok()) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(s);
    return reactor;
  }
  const Request& parsed = *request;
  return HandleUnary(ctx, admitter, executor, parsed,
                     [serve, request = std::move(request), resp](const RequestContext& rc) {
                       auto wire = std::make_unique<std::string>();
                       absl::Status s = serve(rc, *request, wire.get());
                       if (s.ok()) *resp = ToByteBuffer(std::move(wire));
                       return s;
                     });
}

}  // namespace

grpc::ServerUnaryReactor* SessionServiceImpl::CreateSession(
    grpc::CallbackServerContext* ctx, const session_api::CreateSessionRequest* req,
    session_api::CreateSessionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return sessions_.CreateSession(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetSession(grpc::CallbackServerContext* ctx,
                                                         const session_api::GetSessionRequest* req,
                                                         session_api::GetSessionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return sessions_.GetSession(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListSessions(
    grpc::CallbackServerContext* ctx, const session_api::ListSessionsRequest* req,
    session_api::ListSessionsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return sessions_.ListSessions(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::UpdateSession(
    grpc::CallbackServerContext* ctx, const session_api::UpdateSessionRequest* req,
    session_api::UpdateSessionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return sessions_.UpdateSession(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::DeleteSession(
    grpc::CallbackServerContext* ctx, const session_api::DeleteSessionRequest* req,
    session_api::DeleteSessionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return sessions_.DeleteSession(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::OpenSession(
    grpc::CallbackServerContext* ctx, const session_api::OpenSessionRequest* req,
    session_api::OpenSessionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return sessions_.OpenSession(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::CloseSession(
    grpc::CallbackServerContext* ctx, const session_api::CloseSessionRequest* req,
    session_api::CloseSessionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return sessions_.CloseSession(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::ArchiveSession(
    grpc::CallbackServerContext* ctx, const session_api::ArchiveSessionRequest* req,
    session_api::ArchiveSessionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return sessions_.ArchiveSession(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetSessionProgress(
    grpc::CallbackServerContext* ctx, const session_api::GetSessionProgressRequest* req,
    session_api::GetSessionProgressResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return answers_.GetSessionProgress(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::CreateParticipant(
    grpc::CallbackServerContext* ctx, const session_api::CreateParticipantRequest* req,
    session_api::CreateParticipantResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return participants_.CreateParticipant(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetParticipant(
    grpc::CallbackServerContext* ctx, const session_api::GetParticipantRequest* req,
    session_api::GetParticipantResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return participants_.GetParticipant(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListParticipants(
    grpc::CallbackServerContext* ctx, const session_api::ListParticipantsRequest* req,
    session_api::ListParticipantsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return participants_.ListParticipants(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::UpdateParticipant(
    grpc::CallbackServerContext* ctx, const session_api::UpdateParticipantRequest* req,
    session_api::UpdateParticipantResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return participants_.UpdateParticipant(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::DeleteParticipant(
    grpc::CallbackServerContext* ctx, const session_api::DeleteParticipantRequest* req,
    session_api::DeleteParticipantResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return participants_.DeleteParticipant(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::CompleteParticipant(
    grpc::CallbackServerContext* ctx, const session_api::CompleteParticipantRequest* req,
    session_api::CompleteParticipantResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return participants_.CompleteParticipant(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::CreateInvitation(
    grpc::CallbackServerContext* ctx, const session_api::CreateInvitationRequest* req,
    session_api::CreateInvitationResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return participants_.CreateInvitation(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListInvitations(
    grpc::CallbackServerContext* ctx, const session_api::ListInvitationsRequest* req,
    session_api::ListInvitationsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return participants_.ListInvitations(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::RevokeInvitation(
    grpc::CallbackServerContext* ctx, const session_api::RevokeInvitationRequest* req,
    session_api::RevokeInvitationResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return participants_.RevokeInvitation(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::AcceptInvitation(
    grpc::CallbackServerContext* ctx, const session_api::AcceptInvitationRequest* req,
    session_api::AcceptInvitationResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return participants_.AcceptInvitation(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::SubmitAnswer(
    grpc::CallbackServerContext* ctx, const session_api::SubmitAnswerRequest* req,
    session_api::SubmitAnswerResponse* resp) {
  return HandleUnaryAsync(ctx, admitter_, *req, [=, this](const RequestContext& rc, auto done) {
    answers_.SubmitAnswerAsync(rc, *req, resp, std::move(done));
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::BatchSubmitAnswers(
    grpc::CallbackServerContext* ctx, const session_api::BatchSubmitAnswersRequest* req,
    session_api::BatchSubmitAnswersResponse* resp) {
  return HandleUnaryAsync(ctx, admitter_, *req, [=, this](const RequestContext& rc, auto done) {
    answers_.BatchSubmitAnswersAsync(rc, *req, resp, std::move(done));
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetAnswer(grpc::CallbackServerContext* ctx,
                                                        const session_api::GetAnswerRequest* req,
                                                        session_api::GetAnswerResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return answers_.GetAnswer(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListAnswers(grpc::CallbackServerContext* ctx,
                                                          const grpc::ByteBuffer* req,
                                                          grpc::ByteBuffer* resp) {
  return ServeWire<session_api::ListAnswersRequest>(
      ctx, admitter_, executor_, *req, resp,
      [this](const RequestContext& rc, const session_api::ListAnswersRequest& request,
             std::string* wire) { return answers_.ListAnswersWire(rc, request, wire); });
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListAnswerValues(grpc::CallbackServerContext* ctx,
                                                               const grpc::ByteBuffer* req,
                                                               grpc::ByteBuffer* resp) {
  return ServeWire<session_api::ListAnswerValuesRequest>(
      ctx, admitter_, executor_, *req, resp,
      [this](const RequestContext& rc, const session_api::ListAnswerValuesRequest& request,
             std::string* wire) { return answer_values_.ListAnswerValuesWire(rc, request, wire); });
}

grpc::ServerUnaryReactor* SessionServiceImpl::DeleteAnswer(
    grpc::CallbackServerContext* ctx, const session_api::DeleteAnswerRequest* req,
    session_api::DeleteAnswerResponse* resp) {
  return HandleUnaryAsync(ctx, admitter_, *req, [=, this](const RequestContext& rc, auto done) {
    answers_.DeleteAnswerAsync(rc, *req, resp, std::move(done));
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::StartRound(grpc::CallbackServerContext* ctx,
                                                         const session_api::StartRoundRequest* req,
                                                         session_api::StartRoundResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return answers_.StartRound(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetRound(grpc::CallbackServerContext* ctx,
                                                       const session_api::GetRoundRequest* req,
                                                       session_api::GetRoundResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return answers_.GetRound(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListRounds(grpc::CallbackServerContext* ctx,
                                                         const session_api::ListRoundsRequest* req,
                                                         session_api::ListRoundsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return answers_.ListRounds(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::RevealItemDistribution(
    grpc::CallbackServerContext* ctx, const session_api::RevealItemDistributionRequest* req,
    session_api::RevealItemDistributionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return answers_.RevealItemDistribution(rc, *req, resp);
  });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* SessionServiceImpl::WatchSession(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req) {
  session_api::WatchSessionRequest request;
  if (grpc::Status s = ParseRaw(*req, &request); !s.ok()) {
    return RejectStream<grpc::ByteBuffer>(
        ctx, absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message()));
  }
  return StartWatch(ctx, admitter_, watch_, request);
}

}  // namespace lagom::session
