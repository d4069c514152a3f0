#include "common/testing/integration.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/strings.h"
#include "common/testing/scratch_database.h"

namespace lagom::testing {
namespace {

// Port 1 on loopback refuses connections at once.
constexpr char kNothingListens[] = "127.0.0.1:1";

std::string FromEnvOrFail(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  if (value != nullptr && *value != '\0') return value;
  ADD_FAILURE() << name << " is not set: run the integration tests with tools/test, which "
                << "starts Redis and PostgreSQL and sets it";
  return fallback;
}

std::string RandomHex() {
  absl::BitGen gen;
  return absl::StrFormat("%012x", absl::Uniform<uint64_t>(gen, 0, uint64_t{1} << 48));
}

}  // namespace

std::string TestRedisAddress() { return FromEnvOrFail("LAGOM_TEST_REDIS_ADDR", kNothingListens); }

std::string TestPostgresUrl() {
  return FromEnvOrFail("LAGOM_TEST_POSTGRES_URL",
                       absl::StrCat("postgresql://", kNothingListens, "/postgres"));
}

std::string TestServicesPostgresUrl(std::string_view user) {
  return WithDatabaseAndUser(TestPostgresUrl(), "lagom", std::string(user));
}

std::string UniqueTenantId(std::string_view prefix) {
  return absl::StrCat(ToAbsl(prefix), "-", RandomHex());
}

std::string UniqueSchemaName(std::string_view prefix) {
  return absl::StrCat(ToAbsl(prefix), "_", RandomHex());
}

}  // namespace lagom::testing
