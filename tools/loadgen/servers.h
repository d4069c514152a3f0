// In-process servers loadgen measures against, all on 127.0.0.1:0:
//  - a raw gRPC echo server (callback API, bytes in, the same bytes out, no Lagom code): the
//    baseline every Lagom figure is compared with;
//  - the same echo recording every call in PostgreSQL before it answers (one writer, one
//    transaction for whatever is queued): the least a service that keeps each acknowledged
//    write in PostgreSQL can do, which SubmitAnswer is compared with too;
//  - SessionService.SubmitAnswer with a trivial handler, served the way a Lagom service serves
//    it (lagom::Server, HandleUnary on an Executor) behind a given CallAdmitter.
#ifndef LAGOM_TOOLS_LOADGEN_SERVERS_H_
#define LAGOM_TOOLS_LOADGEN_SERVERS_H_

#include <grpcpp/impl/service_type.h>
#include <grpcpp/server.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/executor.h"
#include "common/request_context.h"
#include "common/server.h"
#include "lagom/session/v1/session.grpc.pb.h"

struct pg_conn;  // libpq's PGconn

namespace lagom::loadgen {

inline constexpr char kEchoMethod[] = "/lagom.loadgen.Echo/Echo";
inline constexpr char kJournalMethod[] = "/lagom.loadgen.Journal/Record";
inline constexpr char kSubmitAnswerMethod[] = "/lagom.session.v1.SessionService/SubmitAnswer";

class EchoServer final {
 public:
  // The same builder settings as lagom::Server (no port sharing, 4 MiB messages, gRPC's
  // default threads), without its health, reflection and metrics.
  // response_bytes > 0: replies are that many bytes instead of the request's.
  static absl::StatusOr<std::unique_ptr<EchoServer>> Start(size_t response_bytes = 0);
  ~EchoServer();

  std::string address() const;

 private:
  explicit EchoServer(size_t response_bytes);

  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Echo that first records each call's bytes in PostgreSQL: the handler queues the call, one
// writer thread writes everything queued as one transaction in one round trip (BEGIN, an
// INSERT of all bodies, COMMIT, pipelined) on its own connection, then answers those calls.
// No checks, no Redis, no Lagom code: SubmitAnswer's floor on the same PostgreSQL.
class JournalServer final {
 public:
  // Makes (or empties) table `schema`.journal; the schema is dropped when the server stops.
  static absl::StatusOr<std::unique_ptr<JournalServer>> Start(const std::string& postgres_url,
                                                              const std::string& schema);
  ~JournalServer();

  std::string address() const;
  // Rows in the journal (another connection's count).
  absl::StatusOr<int64_t> CountRows() const;
  // Transactions committed so far.
  int64_t batches() const;

 private:
  struct Call;
  JournalServer(std::string postgres_url, std::string schema);
  void WriterLoop();
  // One transaction for `batch`; the first error, or OK once committed.
  absl::Status Write(const std::vector<Call>& batch);
  // The results of what was sent, up to the pipeline's sync.
  absl::Status ReadUntilSync();

  const std::string postgres_url_;
  const std::string schema_;
  pg_conn* conn_ = nullptr;  // the writer's
  mutable absl::Mutex mu_;
  std::vector<Call> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread writer_;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Answers SubmitAnswer with the submitted answer after `admitter` admitted the call; every
// other SessionService method is UNIMPLEMENTED.
class SubmitAnswerService final : public session::v1::SessionService::CallbackService {
 public:
  // Not owned.
  SubmitAnswerService(const CallAdmitter& admitter, Executor& executor)
      : admitter_(admitter), executor_(executor) {}

  grpc::ServerUnaryReactor* SubmitAnswer(grpc::CallbackServerContext* ctx,
                                         const session::v1::SubmitAnswerRequest* request,
                                         session::v1::SubmitAnswerResponse* response) override;

 private:
  const CallAdmitter& admitter_;
  Executor& executor_;
};

// SubmitAnswerService on its own lagom::Server and Executor.
class LagomServer final {
 public:
  static absl::StatusOr<std::unique_ptr<LagomServer>> Start(const std::string& name,
                                                            const CallAdmitter& admitter,
                                                            int executor_threads);
  std::string address() const;

 private:
  LagomServer(const CallAdmitter& admitter, int executor_threads);

  // Destroyed in reverse: the server drains before the service and executor go.
  Executor executor_;
  SubmitAnswerService service_;
  std::unique_ptr<Server> server_;
};

}  // namespace lagom::loadgen

#endif  // LAGOM_TOOLS_LOADGEN_SERVERS_H_
