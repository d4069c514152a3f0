#include "common/pg_binary.h"

#include <libpq-fe.h>

#include <cstring>
#include <pqxx/except>
#include <pqxx/largeobject>

namespace lagom {
namespace {

// libpqxx 6 hands out the connection's libpq handle only to large-object code; this is how.
class RawConnection final : pqxx::largeobject {
 public:
  static PGconn* Of(const pqxx::dbtransaction& tx) { return raw_connection(tx); }
};

// Binary integers are big-endian, of exactly the type's width.
template <typename T>
T BigEndian(const char* bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v = v << 8 | static_cast<unsigned char>(bytes[i]);
  return static_cast<T>(v);
}

}  // namespace

void PgBinaryResult::Clear::operator()(pg_result* r) const { PQclear(r); }

PgBinaryResult::PgBinaryResult(std::unique_ptr<pg_result, Clear> result)
    : result_(std::move(result)), rows_(PQntuples(result_.get())) {}

bool PgBinaryResult::IsNull(int row, int col) const {
  return PQgetisnull(result_.get(), row, col) != 0;
}

std::string_view PgBinaryResult::Text(int row, int col) const {
  return std::string_view(PQgetvalue(result_.get(), row, col),
                          static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int32_t PgBinaryResult::Int4(int row, int col) const {
  if (PQgetlength(result_.get(), row, col) != 4) throw pqxx::usage_error("not an int4 column");
  return BigEndian<int32_t>(PQgetvalue(result_.get(), row, col));
}

int64_t PgBinaryResult::Int8(int row, int col) const {
  if (PQgetlength(result_.get(), row, col) != 8) throw pqxx::usage_error("not an int8 column");
  return BigEndian<int64_t>(PQgetvalue(result_.get(), row, col));
}

bool PgBinaryResult::Bool(int row, int col) const {
  if (PQgetlength(result_.get(), row, col) != 1) throw pqxx::usage_error("not a boolean column");
  return PQgetvalue(result_.get(), row, col)[0] != 0;
}

namespace {

using ResultPtr = std::unique_ptr<pg_result, PgBinaryResult::Clear>;

std::vector<const char*> Values(const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::optional<std::string>& p : params) values.push_back(p ? p->c_str() : nullptr);
  return values;
}

// Throws as libpqxx would for a statement that did not produce rows (INSERT ... RETURNING and
// SELECT both do).
void CheckResult(PGconn* conn, const ResultPtr& result, const std::string& sql) {
  if (PQstatus(conn) != CONNECTION_OK) throw pqxx::broken_connection(PQerrorMessage(conn));
  if (result == nullptr) throw pqxx::sql_error(PQerrorMessage(conn), sql);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    throw pqxx::sql_error(PQresultErrorMessage(result.get()), sql, state == nullptr ? "" : state);
  }
}

}  // namespace

PgBinaryResult ExecBinary(pqxx::dbtransaction& tx, const std::string& sql,
                          const std::vector<std::optional<std::string>>& params) {
  if (auto* lazy = dynamic_cast<PgTransaction*>(&tx); lazy != nullptr && !lazy->begun()) {
    PgPipeline pipeline(tx);
    pipeline.Add(sql, params);
    return std::move(pipeline.Run().front());
  }
  PGconn* conn = RawConnection::Of(tx);
  const std::vector<const char*> values = Values(params);
  ResultPtr result(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()),
                                /*paramTypes=*/nullptr, values.data(), /*paramLengths=*/nullptr,
                                /*paramFormats=*/nullptr, /*resultFormat=*/1));
  CheckResult(conn, result, sql);
  return PgBinaryResult(std::move(result));
}

int PgPipeline::Add(std::string sql, std::vector<std::optional<std::string>> params) {
  return Add(PgStatement{"", std::move(sql), std::move(params)});
}

int PgPipeline::AddPrepared(std::string name, std::string sql,
                            std::vector<std::optional<std::string>> params) {
  return Add(PgStatement{std::move(name), std::move(sql), std::move(params)});
}

int PgPipeline::Add(PgStatement statement) {
  statements_.push_back(std::move(statement));
  return static_cast<int>(statements_.size()) - 1;
}

std::vector<PgBinaryResult> PgPipeline::Run() {
  PGconn* conn = RawConnection::Of(tx_);
  // A transaction that has not begun begins here: its statements go first, their results are
  // checked and dropped.
  size_t begin = 0;
  if (auto* lazy = dynamic_cast<PgTransaction*>(&tx_); lazy != nullptr) {
    std::vector<PgStatement> first = lazy->TakeBegin();
    begin = first.size();
    statements_.insert(statements_.begin(), std::make_move_iterator(first.begin()),
                       std::make_move_iterator(first.end()));
  }
  for (const PgStatement& st : statements_) {
    if (st.name.empty()) continue;
    // Registered with libpqxx (the same definition again is a no-op), prepared on the server
    // unless it is already: a round trip the first time on each connection only.
    tx_.conn().prepare(st.name, st.sql);
    tx_.conn().prepare_now(st.name);
  }
  if (PQenterPipelineMode(conn) != 1) throw pqxx::broken_connection(PQerrorMessage(conn));
  std::vector<ResultPtr> results;
  // What went wrong first; the connection leaves pipeline mode before anything is thrown.
  std::string broken;
  for (const PgStatement& st : statements_) {
    const std::vector<const char*> values = Values(st.params);
    const int sent =
        st.name.empty()
            ? PQsendQueryParams(conn, st.sql.c_str(), static_cast<int>(values.size()),
                                /*paramTypes=*/nullptr, values.data(), /*paramLengths=*/nullptr,
                                /*paramFormats=*/nullptr, /*resultFormat=*/1)
            : PQsendQueryPrepared(conn, st.name.c_str(), static_cast<int>(values.size()),
                                  values.data(), /*paramLengths=*/nullptr,
                                  /*paramFormats=*/nullptr, /*resultFormat=*/1);
    if (sent != 1) {
      broken = PQerrorMessage(conn);
      break;
    }
  }
  if (broken.empty() && PQpipelineSync(conn) != 1) broken = PQerrorMessage(conn);
  if (broken.empty()) {
    // Each statement's result, then the NULL that ends it; the sync's result ends the lot.
    for (;;) {
      ResultPtr result(PQgetResult(conn));
      if (result == nullptr) {
        if (PQstatus(conn) != CONNECTION_OK) {
          broken = PQerrorMessage(conn);
          break;
        }
        continue;
      }
      if (PQresultStatus(result.get()) == PGRES_PIPELINE_SYNC) break;
      results.push_back(std::move(result));
    }
  }
  PQexitPipelineMode(conn);
  if (!broken.empty()) throw pqxx::broken_connection(broken);
  std::vector<PgBinaryResult> out;
  out.reserve(results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    // After a failure PostgreSQL answers the rest PGRES_PIPELINE_ABORTED: the failure is the
    // first result that is not rows.
    CheckResult(conn, results[i], statements_[i].sql);
    out.push_back(PgBinaryResult(std::move(results[i])));
  }
  if (out.size() != statements_.size()) {
    throw pqxx::broken_connection("PostgreSQL answered fewer statements than were sent");
  }
  statements_.clear();
  out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(begin));
  return out;
}

}  // namespace lagom
