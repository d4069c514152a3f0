#include "common/testing/scratch_database.h"

#include <cstring>
#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "common/testing/integration.h"

namespace lagom::testing {

std::string WithDatabaseAndUser(const std::string& url, const std::string& db,
                                const std::string& user) {
  for (const char* scheme : {"postgresql://", "postgres://"}) {
    if (!absl::StartsWith(url, scheme)) continue;
    std::string rest = url.substr(strlen(scheme));
    std::string query;
    if (size_t q = rest.find('?'); q != std::string::npos) {
      query = rest.substr(q);
      rest = rest.substr(0, q);
    }
    std::string hosts = rest.substr(0, rest.find('/'));
    if (size_t at = hosts.rfind('@'); at != std::string::npos) hosts = hosts.substr(at + 1);
    return absl::StrCat(scheme, user, "@", hosts, "/", db, query);
  }
  return absl::StrCat(url, " dbname=", db, " user=", user);
}

ScratchDatabase::ScratchDatabase(std::string_view prefix, std::string_view options)
    : name_(UniqueSchemaName(prefix)) {
  pqxx::connection admin(TestPostgresUrl());
  pqxx::nontransaction sql(admin);
  // As tools/lib/common.sh makes them (lagom_pg_ensure_roles).
  for (const char* role : {"lagom", "lagom_app"}) {
    sql.exec(absl::StrCat("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '", role,
                          "') THEN CREATE ROLE ", role,
                          " LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$"));
    sql.exec(absl::StrCat("ALTER ROLE ", role,
                          " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD NULL"));
  }
  sql.exec(absl::StrCat("CREATE DATABASE ", name_, " OWNER lagom ", ToAbsl(options)));
  owner_url_ = WithDatabaseAndUser(TestPostgresUrl(), name_, "lagom");
  app_url_ = WithDatabaseAndUser(TestPostgresUrl(), name_, "lagom_app");
  admin_url_ = WithDatabaseAndUser(TestPostgresUrl(), name_,
                                   admin.username() ? admin.username() : "postgres");
}

ScratchDatabase::~ScratchDatabase() {
  pqxx::connection admin(TestPostgresUrl());
  pqxx::nontransaction sql(admin);
  sql.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

}  // namespace lagom::testing
