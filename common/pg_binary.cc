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

PgBinaryResult ExecBinary(pqxx::dbtransaction& tx, const std::string& sql,
                          const std::vector<std::optional<std::string>>& params) {
  PGconn* conn = RawConnection::Of(tx);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::optional<std::string>& p : params) values.push_back(p ? p->c_str() : nullptr);
  std::unique_ptr<pg_result, PgBinaryResult::Clear> result(
      PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), /*paramTypes=*/nullptr,
                   values.data(), /*paramLengths=*/nullptr, /*paramFormats=*/nullptr,
                   /*resultFormat=*/1));
  if (PQstatus(conn) != CONNECTION_OK) throw pqxx::broken_connection(PQerrorMessage(conn));
  if (result == nullptr) throw pqxx::sql_error(PQerrorMessage(conn), sql);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    throw pqxx::sql_error(PQresultErrorMessage(result.get()), sql, state);
  }
  return PgBinaryResult(std::move(result));
}

}  // namespace lagom
