#include "common/postgres.h"

#include <cmath>
#include <exception>
#include <pqxx/except>
#include <pqxx/result>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "common/strings.h"

namespace lagom {
namespace {

std::string WithConnectTimeout(std::string url, absl::Duration timeout) {
  if (absl::StrContains(url, "connect_timeout")) return url;
  // libpq counts whole seconds and treats anything below 2 as 2.
  const int64_t seconds = std::max<int64_t>(2, std::ceil(absl::ToDoubleSeconds(timeout)));
  const bool is_uri =
      absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://");
  const char* sep = !is_uri ? " " : absl::StrContains(url, '?') ? "&" : "?";
  return absl::StrCat(url, sep, "connect_timeout=", seconds);
}

std::string Trimmed(const char* what) {
  return std::string(absl::StripTrailingAsciiWhitespace(what));
}

absl::Status FromSqlError(const pqxx::sql_error& e) {
  const std::string& state = e.sqlstate();
  const std::string message = Trimmed(e.what());
  // The raw text names tables, constraints and key values: log it, tell the caller only what
  // happened. Stores that can say which resource exists catch this themselves.
  if (state == "23505") {
    LogWarn("unique violation", {{"detail", message}});
    return absl::AlreadyExistsError("already exists (a unique key is taken)");
  }
  if (state == "40001" || state == "40P01") return absl::AbortedError(message);
  if (state == "57014") return absl::DeadlineExceededError(message);
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P")) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 63 || !absl::ascii_islower(s[0])) return false;
  for (char c : s) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') return false;
  }
  return true;
}

constexpr char kCreateMigrationsTable[] = R"sql(
  SELECT pg_advisory_xact_lock(hashtext('public.lagom_schema_migrations'));
  CREATE TABLE IF NOT EXISTS public.lagom_schema_migrations (
    owner text NOT NULL,
    version int NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, version));
)sql";

}  // namespace

PgPool::PgPool(std::string url, int size, absl::Duration connect_timeout)
    : url_(std::move(url)), size_(size), connect_timeout_(connect_timeout) {}

PgPool::~PgPool() = default;

absl::StatusOr<std::unique_ptr<PgPool>> PgPool::Connect(std::string url, int size,
                                                        absl::Duration connect_timeout) {
  if (size < 1) return absl::InvalidArgumentError("PostgreSQL pool size must be at least 1");
  auto pool = absl::WrapUnique(
      new PgPool(WithConnectTimeout(std::move(url), connect_timeout), size, connect_timeout));
  // Fail at startup, not on the first request, when PostgreSQL is unreachable.
  absl::StatusOr<ConnPtr> first = pool->Open();
  if (!first.ok()) return first.status();
  absl::MutexLock lock(&pool->mu_);
  pool->idle_.push_back(*std::move(first));
  pool->open_ = 1;
  return pool;
}

absl::StatusOr<PgPool::ConnPtr> PgPool::Open() const {
  try {
    return std::make_unique<pqxx::connection>(url_);
  } catch (const std::exception& e) {
    // Not the URL: it may hold a password.
    return absl::UnavailableError(absl::StrCat("PostgreSQL unreachable: ", Trimmed(e.what())));
  }
}

absl::StatusOr<PgPool::ConnPtr> PgPool::Acquire(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < size_;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&available), deadline)) {
      return absl::UnavailableError(absl::StrCat("no PostgreSQL connection free within ",
                                                 absl::FormatDuration(connect_timeout_)));
    }
    if (!idle_.empty()) {
      ConnPtr c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ++open_;  // reserve the slot; connect outside the lock
  }
  absl::StatusOr<ConnPtr> c = Open();
  if (!c.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return c;
}

void PgPool::Release(ConnPtr conn) {
  absl::MutexLock lock(&mu_);
  if (conn == nullptr || !conn->is_open()) {
    --open_;  // broken: drop it; the next Acquire opens a fresh one
    return;
  }
  idle_.push_back(std::move(conn));
}

absl::Status PgPool::InTransaction(absl::Time deadline,
                                   std::vector<std::pair<std::string, std::string>> settings,
                                   const std::function<absl::Status(PgTransaction&)>& fn) {
  absl::StatusOr<ConnPtr> conn = Acquire(deadline);
  if (!conn.ok()) return conn.status();
  absl::Status result;
  try {
    PgTransaction tx(**conn, std::move(settings));
    result = fn(tx);
    if (result.ok()) tx.commit();  // otherwise ~PgTransaction rolls back
  } catch (const pqxx::broken_connection& e) {
    (*conn)->disconnect();
    result =
        absl::UnavailableError(absl::StrCat("PostgreSQL connection lost: ", Trimmed(e.what())));
  } catch (const pqxx::in_doubt_error& e) {
    (*conn)->disconnect();
    result = CommitInDoubt(absl::StrCat("PostgreSQL commit outcome unknown: ", Trimmed(e.what())));
  } catch (const pqxx::sql_error& e) {
    result = FromSqlError(e);
  } catch (const std::exception& e) {
    result = absl::InternalError(Trimmed(e.what()));
  }
  Release(*std::move(conn));
  return result;
}

absl::Status PgPool::WithTenant(const RequestContext& rc,
                                const std::function<absl::Status(PgTransaction&)>& fn) {
  if (rc.tenant_id.empty()) {
    return absl::FailedPreconditionError("refusing to query PostgreSQL without a tenant");
  }
  const absl::Time acquire_deadline = std::min(rc.deadline, absl::Now() + connect_timeout_);
  std::vector<std::pair<std::string, std::string>> settings = {{"lagom.tenant_id", rc.tenant_id}};
  // The caller will not wait for a statement past its deadline; neither should PostgreSQL.
  if (rc.deadline != absl::InfiniteFuture()) {
    const int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(rc.deadline - absl::Now()));
    settings.emplace_back("statement_timeout", std::to_string(ms));
  }
  return InTransaction(acquire_deadline, std::move(settings), fn);
}

absl::Status PgPool::WithOperator(const std::function<absl::Status(PgTransaction&)>& fn) {
  return InTransaction(absl::Now() + connect_timeout_, {{"lagom.operator", "on"}}, fn);
}

absl::Status PgPool::ApplyOne(std::string_view owner, const Migration& m) {
  const std::string label = absl::StrCat(ToAbsl(owner), "/", m.version, " (", m.name, ")");
  return InTransaction(absl::Now() + connect_timeout_, {}, [&](PgTransaction& tx) -> absl::Status {
    // Replicas starting together apply each migration once; the others wait here.
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))", std::string(owner));
    pqxx::result applied = tx.exec_params(
        "SELECT checksum = md5($3) FROM public.lagom_schema_migrations "
        "WHERE owner = $1 AND version = $2",
        std::string(owner), m.version, m.sql);
    if (!applied.empty()) {
      if (applied[0][0].as<bool>()) return absl::OkStatus();
      return absl::FailedPreconditionError(
          absl::StrCat("migration ", label,
                       " was changed after it was applied; restore it and add a new "
                       "migration instead"));
    }
    try {
      tx.exec(m.sql);
    } catch (const pqxx::sql_error& e) {
      return absl::InternalError(absl::StrCat("migration ", label, " failed: ", Trimmed(e.what())));
    }
    tx.exec_params(
        "INSERT INTO public.lagom_schema_migrations (owner, version, name, checksum) "
        "VALUES ($1, $2, $3, md5($4))",
        std::string(owner), m.version, m.name, m.sql);
    LogInfo(
        "applied migration",
        {{"owner", std::string(owner)}, {"version", absl::StrCat(m.version)}, {"name", m.name}});
    return absl::OkStatus();
  });
}

absl::Status PgPool::RunMigrations(std::string_view owner,
                                   const std::vector<Migration>& migrations) {
  if (!IsIdentifier(owner)) {
    return absl::InvalidArgumentError(
        absl::StrCat("migration owner '", ToAbsl(owner), "' must be a lower-case SQL identifier"));
  }
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version <= migrations[i - 1].version) {
      return absl::InvalidArgumentError(absl::StrCat("migrations of ", ToAbsl(owner),
                                                     " are not in ascending version order at ",
                                                     migrations[i].version));
    }
  }
  absl::Status status = InTransaction(absl::Now() + connect_timeout_, {}, [](PgTransaction& tx) {
    tx.exec(kCreateMigrationsTable);
    return absl::OkStatus();
  });
  for (const Migration& m : migrations) {
    if (!status.ok()) break;
    status = ApplyOne(owner, m);
  }
  return status;
}

}  // namespace lagom
