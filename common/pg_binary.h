// Queries with many rows (a page of 5 000 answers), their results read in PostgreSQL's binary
// format straight from libpq's buffer. libpqxx 6 asks for text results only: every field read
// then costs a copy of the result handle, a parse from text and, for bytea, a hex decode, on
// top of PostgreSQL's own hex encoding; together the larger part of serving such a page.
//
//   PgBinaryResult rows = ExecBinary(tx, "SELECT id, n, body FROM t WHERE k = $1",
//                                    {PgText(key)});
//   for (int i = 0; i < rows.size(); ++i) use(rows.Text(i, 0), rows.Int4(i, 1), rows.Text(i, 2));
//
// Errors are thrown as libpqxx throws them (pqxx::sql_error with the SQLSTATE,
// pqxx::broken_connection), so PgPool maps them to a status as for any other statement.
#ifndef LAGOM_COMMON_PG_BINARY_H_
#define LAGOM_COMMON_PG_BINARY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/dbtransaction>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"

struct pg_result;

namespace lagom {

class PgBinaryResult final {
 public:
  int size() const { return rows_; }
  bool IsNull(int row, int col) const;
  // text, varchar and bytea columns: the bytes, valid while this result lives.
  std::string_view Text(int row, int col) const;
  // integer (int4), bigint (int8) and boolean columns. The column's type must match.
  int32_t Int4(int row, int col) const;
  int64_t Int8(int row, int col) const;
  bool Bool(int row, int col) const;

 private:
  friend PgBinaryResult ExecBinary(pqxx::dbtransaction&, const std::string&,
                                   const std::vector<std::optional<std::string>>&);
  struct Clear {
    void operator()(pg_result* r) const;
  };
  explicit PgBinaryResult(std::unique_ptr<pg_result, Clear> result);

  std::unique_ptr<pg_result, Clear> result_;
  int rows_ = 0;
};

// Runs `sql` in `tx`'s transaction. Parameters travel as text, as with exec_params; nullopt is
// NULL.
PgBinaryResult ExecBinary(pqxx::dbtransaction& tx, const std::string& sql,
                          const std::vector<std::optional<std::string>>& params);

// A parameter as text: strings as they are, numbers in decimal, nullopt as NULL.
inline std::optional<std::string> PgText(std::string s) { return s; }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
std::optional<std::string> PgText(T n) {
  return absl::StrCat(n);
}
template <typename T>
std::optional<std::string> PgText(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  return PgText(*v);
}

}  // namespace lagom

#endif  // LAGOM_COMMON_PG_BINARY_H_
