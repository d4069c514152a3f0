#include "common/unary.h"

#include <gmock/gmock.h>
#include <google/protobuf/wrappers.pb.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "common/channel.h"
#include "common/server.h"
#include "common/testing/byte_service.h"
#include "common/testing/test_admitter.h"

namespace lagom {
namespace {

using ::testing::HasSubstr;

constexpr char kService[] = "lagom.test.v1.UnaryService";

// The request picks the behaviour: "ok", "not-found", "throw", "inline", "unimplemented".
class UnaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start({.service_name = "test"}, {&service_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  grpc::Status Call(const std::string& what, const std::string& tenant,
                    std::string* response = nullptr) {
    grpc::ClientContext ctx;
    if (!tenant.empty()) ctx.AddMetadata(testing::kTestTenantKey, tenant);
    ctx.AddMetadata(testing::kTestRoleKey, "PRINCIPAL_ROLE_VIEWER");
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    std::string ignored;
    return testing::CallUnary(channel_.get(), absl::StrCat("/", kService, "/Unary"), &ctx, what,
                              response ? response : &ignored);
  }

  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                  grpc::ByteBuffer* resp) {
    const std::string what = testing::FromByteBuffer(*req);
    google::protobuf::StringValue request;
    request.set_value(what);
    if (what == "unimplemented") {
      return NotImplementedYet(ctx, admitter_, request, "lagom.test.v1.UnaryService.Unary");
    }
    auto fn = [this, what, resp](const RequestContext& rc) -> absl::Status {
      ++ran_;
      if (what == "throw") throw std::runtime_error("boom");
      if (what == "not-found")
        return Error(absl::StatusCode::kNotFound, "SESSION_NOT_FOUND", "no s1");
      if (what == "in-doubt") return CommitInDoubt("commit outcome unknown");
      if (what == "unavailable") return absl::UnavailableError("try another replica");
      const bool has_deadline = rc.deadline != absl::InfiniteFuture();
      *resp = testing::ToByteBuffer(absl::StrCat(
          rc.tenant_id, "/", auth::v1::PrincipalRole_Name(rc.principal.role()), "/", has_deadline));
      return absl::OkStatus();
    };
    if (what == "inline") return HandleUnaryInline(ctx, admitter_, request, fn);
    return HandleUnary(ctx, admitter_, executor_, request, fn);
  }

  testing::TestAdmitter admitter_;
  std::atomic<int> ran_ = 0;
  Executor executor_{2};
  testing::ByteService service_{
      kService,
      [this](grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
             grpc::ByteBuffer* resp) { return Unary(ctx, req, resp); },
      [this](grpc::CallbackServerContext* ctx, const grpc::ByteBuffer*) {
        return NotImplementedYetStream<grpc::ByteBuffer>(
            ctx, admitter_, google::protobuf::StringValue(), "lagom.test.v1.UnaryService.Stream");
      }};
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(UnaryTest, RunsTheHandlerWithTheCallersContext) {
  std::string response;
  for (const char* what : {"ok", "inline"}) {
    grpc::Status s = Call(what, "acme", &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(response, "acme/PRINCIPAL_ROLE_VIEWER/1") << what;
  }
}

TEST_F(UnaryTest, ARefusedCallNeverReachesTheHandler) {
  for (const char* what : {"ok", "inline"}) {
    grpc::Status s = Call(what, "");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(ReasonOf(s), "UNAUTHENTICATED");
  }
  EXPECT_EQ(ran_, 0);
}

TEST_F(UnaryTest, HandlerErrorsReachTheClientWithTheirReason) {
  grpc::Status s = Call("not-found", "acme");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "no s1");
  EXPECT_EQ(ReasonOf(s), "SESSION_NOT_FOUND");
}

// Lagom's channels retry UNAVAILABLE on their own; a commit in doubt must not be run again
// behind the caller's back, so it tells them not to.
TEST_F(UnaryTest, ACommitInDoubtIsNotRetriedByTheChannel) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> retrying = CreateServiceChannel(
      absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials());
  ASSERT_TRUE(retrying.ok()) << retrying.status();
  channel_ = *retrying;
  grpc::Status s = Call("unavailable", "acme");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_GT(ran_, 1) << "the channel retries UNAVAILABLE";
  ran_ = 0;
  s = Call("in-doubt", "acme");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ReasonOf(s), "COMMIT_IN_DOUBT");
  EXPECT_EQ(ran_, 1);
}

TEST_F(UnaryTest, AnEscapedExceptionIsInternal) {
  grpc::Status s = Call("throw", "acme");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(s.error_message(), "boom");
}

TEST_F(UnaryTest, NotImplementedYetAdmitsTheCallFirst) {
  EXPECT_EQ(Call("unimplemented", "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status s = Call("unimplemented", "acme");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(ReasonOf(s), "NOT_IMPLEMENTED_YET");
  EXPECT_EQ(s.error_message(),
            "lagom.test.v1.UnaryService.Unary is not implemented yet in this release");
}

TEST_F(UnaryTest, NotImplementedYetStreamAdmitsTheCallFirst) {
  for (const std::string tenant : {"", "acme"}) {
    grpc::ClientContext ctx;
    if (!tenant.empty()) ctx.AddMetadata(testing::kTestTenantKey, tenant);
    std::vector<std::string> messages;
    grpc::Status s = testing::CallStream(channel_.get(), absl::StrCat("/", kService, "/Stream"),
                                         &ctx, "", &messages);
    EXPECT_TRUE(messages.empty());
    if (tenant.empty()) {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    } else {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
      EXPECT_EQ(ReasonOf(s), "NOT_IMPLEMENTED_YET");
      EXPECT_THAT(s.error_message(), HasSubstr("Stream is not implemented yet"));
    }
  }
}

}  // namespace
}  // namespace lagom
