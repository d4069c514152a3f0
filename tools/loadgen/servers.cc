#include "tools/loadgen/servers.h"

#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>
#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/byte_buffer.h"
#include "common/unary.h"

namespace lagom::loadgen {
namespace {

constexpr int kMaxMessageBytes = 4 << 20;  // lagom::ServerOptions' default

using RawHandler = std::function<grpc::ServerUnaryReactor*(
    grpc::CallbackServerContext*, const grpc::ByteBuffer*, grpc::ByteBuffer*)>;

// One unary method taking and returning raw bytes, as generated code would register it.
class RawUnaryService final : public grpc::Service {
 public:
  RawUnaryService(const char* method, RawHandler handler) {
    AddMethod(new grpc::internal::RpcServiceMethod(method, grpc::internal::RpcMethod::NORMAL_RPC,
                                                   nullptr));
    MarkMethodCallback(0,
                       new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
                           std::move(handler)));
  }
};

// response_bytes > 0: every reply is that many bytes (made once), so a large response can be
// compared with a Lagom RPC returning one; 0: the request's bytes come back.
RawHandler EchoHandler(size_t response_bytes) {
  std::shared_ptr<grpc::ByteBuffer> fixed;
  if (response_bytes > 0) {
    grpc::Slice slice(std::string(response_bytes, 'x'));
    fixed = std::make_shared<grpc::ByteBuffer>(&slice, 1);
  }
  return [fixed](grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request,
                 grpc::ByteBuffer* response) {
    *response = fixed ? *fixed : *request;
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  };
}

// A server with lagom::Server's builder settings (no port sharing, 4 MiB messages, gRPC's
// default threads) and nothing else, on 127.0.0.1:0.
std::unique_ptr<grpc::Server> StartRawServer(grpc::Service* service, int* port) {
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(service);
  return builder.BuildAndStart();
}

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

absl::Status PgError(absl::string_view what, PGconn* conn) {
  return absl::UnavailableError(absl::StrCat(what, ": ", PQerrorMessage(conn)));
}

// Runs `sql` (no parameters, no rows wanted) on `conn`.
absl::Status Exec(PGconn* conn, const std::string& sql) {
  PgResultPtr r(PQexec(conn, sql.c_str()));
  const ExecStatusType status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return PgError(sql, conn);
  return absl::OkStatus();
}

}  // namespace

EchoServer::EchoServer(size_t response_bytes)
    : service_(std::make_unique<RawUnaryService>(kEchoMethod, EchoHandler(response_bytes))) {}

EchoServer::~EchoServer() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    server_->Wait();
  }
}

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Start(size_t response_bytes) {
  auto echo = absl::WrapUnique(new EchoServer(response_bytes));
  echo->server_ = StartRawServer(echo->service_.get(), &echo->port_);
  if (echo->server_ == nullptr || echo->port_ == 0) {
    return absl::UnavailableError("cannot start the echo server on 127.0.0.1");
  }
  return echo;
}

std::string EchoServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

struct JournalServer::Call {
  const grpc::ByteBuffer* request;
  grpc::ByteBuffer* response;
  grpc::ServerUnaryReactor* reactor;
};

JournalServer::JournalServer(std::string postgres_url, std::string schema)
    : postgres_url_(std::move(postgres_url)), schema_(std::move(schema)) {}

absl::StatusOr<std::unique_ptr<JournalServer>> JournalServer::Start(const std::string& postgres_url,
                                                                    const std::string& schema) {
  auto journal = absl::WrapUnique(new JournalServer(postgres_url, schema));
  journal->conn_ = PQconnectdb(postgres_url.c_str());
  if (PQstatus(journal->conn_) != CONNECTION_OK) {
    return PgError("journal baseline: cannot connect to PostgreSQL", journal->conn_);
  }
  // Like the answer journal: a logged table with a primary key from a sequence.
  for (const std::string& sql :
       {absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", schema),
        absl::StrCat("CREATE TABLE IF NOT EXISTS ", schema,
                     ".journal (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                     "body bytea NOT NULL)"),
        absl::StrCat("TRUNCATE ", schema, ".journal")}) {
    if (absl::Status s = Exec(journal->conn_, sql); !s.ok()) return s;
  }
  if (PQenterPipelineMode(journal->conn_) != 1) {
    return PgError("journal baseline: pipeline mode", journal->conn_);
  }
  journal->writer_ = std::thread([j = journal.get()] { j->WriterLoop(); });
  journal->service_ = std::make_unique<RawUnaryService>(
      kJournalMethod,
      [j = journal.get()](grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request,
                          grpc::ByteBuffer* response) {
        grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
        absl::MutexLock lock(&j->mu_);
        j->queue_.push_back({request, response, reactor});
        return reactor;
      });
  journal->server_ = StartRawServer(journal->service_.get(), &journal->port_);
  if (journal->server_ == nullptr || journal->port_ == 0) {
    return absl::UnavailableError("cannot start the journal server on 127.0.0.1");
  }
  return journal;
}

JournalServer::~JournalServer() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  }
  if (writer_.joinable()) {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    writer_.join();
  }
  if (server_ != nullptr) server_->Wait();
  if (conn_ != nullptr) {
    PQexitPipelineMode(conn_);
    (void)Exec(conn_, "SET client_min_messages = warning");  // not the cascade's notice
    (void)Exec(conn_, absl::StrCat("DROP SCHEMA IF EXISTS ", schema_, " CASCADE"));
    PQfinish(conn_);
  }
}

std::string JournalServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

int64_t JournalServer::batches() const {
  absl::MutexLock lock(&mu_);
  return batches_;
}

absl::StatusOr<int64_t> JournalServer::CountRows() const {
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(postgres_url_.c_str()), PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) return PgError("journal baseline", conn.get());
  const std::string sql = absl::StrCat("SELECT count(*) FROM ", schema_, ".journal");
  PgResultPtr r(PQexec(conn.get(), sql.c_str()));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return PgError(sql, conn.get());
  return std::stoll(PQgetvalue(r.get(), 0, 0));
}

void JournalServer::WriterLoop() {
  for (;;) {
    std::vector<Call> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](JournalServer* j)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return j->stopping_ || !j->queue_.empty(); },
          this));
      if (queue_.empty()) return;  // stopping
      batch.swap(queue_);
    }
    const absl::Status written = Write(batch);
    if (written.ok()) {
      absl::MutexLock lock(&mu_);
      ++batches_;
    }
    for (Call& call : batch) {
      if (written.ok()) *call.response = *call.request;
      call.reactor->Finish(written.ok() ? grpc::Status::OK
                                        : grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                                       std::string(written.message())));
    }
  }
}

absl::Status JournalServer::Write(const std::vector<Call>& batch) {
  // bytea[] in text form: {"\\x<hex>",...}
  std::string bodies = "{";
  for (const Call& call : batch) {
    if (bodies.size() > 1) bodies += ',';
    absl::StrAppend(&bodies, "\"\\\\x", absl::BytesToHexString(FromByteBuffer(*call.request)),
                    "\"");
  }
  bodies += '}';
  const std::string insert =
      absl::StrCat("INSERT INTO ", schema_, ".journal (body) SELECT unnest($1::bytea[])");
  const char* values[] = {bodies.c_str()};
  if (PQsendQueryParams(conn_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 ||
      PQsendQueryParams(conn_, insert.c_str(), 1, nullptr, values, nullptr, nullptr, 0) != 1 ||
      PQsendQueryParams(conn_, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 ||
      PQpipelineSync(conn_) != 1) {
    return PgError("journal baseline: send", conn_);
  }
  absl::Status outcome = ReadUntilSync();
  if (!outcome.ok() && PQstatus(conn_) == CONNECTION_OK) {
    // The failed transaction stays open past the sync until it is rolled back.
    if (PQsendQueryParams(conn_, "ROLLBACK", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1 ||
        PQpipelineSync(conn_) != 1) {
      return outcome;
    }
    (void)ReadUntilSync();
  }
  return outcome;
}

absl::Status JournalServer::ReadUntilSync() {
  // Each statement's result followed by a null, then the sync; the first failure is the
  // outcome.
  absl::Status outcome;
  bool after_null = false;
  for (;;) {
    PgResultPtr r(PQgetResult(conn_));
    if (r == nullptr) {
      if (after_null) return PgError("journal baseline: connection lost", conn_);
      after_null = true;
      continue;
    }
    after_null = false;
    const ExecStatusType status = PQresultStatus(r.get());
    if (status == PGRES_PIPELINE_SYNC) return outcome;
    if (status != PGRES_COMMAND_OK && outcome.ok()) {
      outcome =
          absl::UnavailableError(absl::StrCat("journal baseline: ", PQresultErrorMessage(r.get())));
      if (PQstatus(conn_) != CONNECTION_OK) return outcome;
    }
  }
}

grpc::ServerUnaryReactor* SubmitAnswerService::SubmitAnswer(
    grpc::CallbackServerContext* ctx, const session::v1::SubmitAnswerRequest* request,
    session::v1::SubmitAnswerResponse* response) {
  return HandleUnary(ctx, admitter_, executor_, *request, [=](const RequestContext&) {
    *response->mutable_answer() = request->answer();
    return absl::OkStatus();
  });
}

LagomServer::LagomServer(const CallAdmitter& admitter, int executor_threads)
    : executor_(executor_threads), service_(admitter, executor_) {}

absl::StatusOr<std::unique_ptr<LagomServer>> LagomServer::Start(const std::string& name,
                                                                const CallAdmitter& admitter,
                                                                int executor_threads) {
  auto lagom = absl::WrapUnique(new LagomServer(admitter, executor_threads));
  ServerOptions options;
  options.service_name = name;
  options.listen_address = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, {&lagom->service_});
  if (!server.ok()) return server.status();
  lagom->server_ = *std::move(server);
  return lagom;
}

std::string LagomServer::address() const { return absl::StrCat("127.0.0.1:", server_->port()); }

}  // namespace lagom::loadgen
