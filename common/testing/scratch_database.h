// A PostgreSQL database of a test's own on the test server, dropped when the test ends, with
// URLs to reach it as the services reach theirs: as its owner "lagom" (no superuser; runs the
// migrations, owns what they create) and as lagom_app, the services' role (no superuser, no
// BYPASSRLS), so that tests see row-level security, grants and SECURITY DEFINER functions as
// the services do. The test server's superuser (admin_url) looks past row-level security.
#ifndef LAGOM_COMMON_TESTING_SCRATCH_DATABASE_H_
#define LAGOM_COMMON_TESTING_SCRATCH_DATABASE_H_

#include <string>
#include <string_view>

namespace lagom::testing {

// `url` with its database and user replaced (libpq URI or keyword/value form).
std::string WithDatabaseAndUser(const std::string& url, const std::string& db,
                                const std::string& user);

class ScratchDatabase final {
 public:
  // Creates "<prefix>_<random>" owned by "lagom", and the roles lagom and lagom_app if
  // missing. `options` go to CREATE DATABASE after its owner (a locale, say).
  explicit ScratchDatabase(std::string_view prefix, std::string_view options = "");
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& owner_url() const { return owner_url_; }
  const std::string& app_url() const { return app_url_; }
  const std::string& admin_url() const { return admin_url_; }

 private:
  std::string name_, owner_url_, app_url_, admin_url_;
};

}  // namespace lagom::testing

#endif  // LAGOM_COMMON_TESTING_SCRATCH_DATABASE_H_
