// Schema migrations: each service owns a schema named after it and a numbered list of SQL
// migrations, applied in order, once, under an advisory lock; public.lagom_schema_migrations
// records (owner, version, name, checksum).
//
// Build side: in a service's CMakeLists.txt
//   lagom_embed_migrations(TARGET session_migrations OWNER session DIR migrations)
// turns DIR/NNNN_name.sql into a library whose generated header "session_migrations.h" declares
//   namespace lagom::session { const std::vector<lagom::Migration>& Migrations(); }
// and run them at startup with PgPool::RunMigrations("session", lagom::session::Migrations()).
#ifndef LAGOM_COMMON_MIGRATIONS_H_
#define LAGOM_COMMON_MIGRATIONS_H_

#include <string>

namespace lagom {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

}  // namespace lagom

#endif  // LAGOM_COMMON_MIGRATIONS_H_
