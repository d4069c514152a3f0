// Every reason the code attaches to an error is one clients can look up: a value of
// lagom.type.v1.ErrorReason (proto/lagom/type/v1/error_reason.proto), or the canonical code
// name a failure with no more specific reason carries. The sources are scanned for the
// reasons given to Error, WithReason and set_reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lagom/type/v1/error_reason.pb.h"

namespace lagom {
namespace {

namespace fs = std::filesystem;

// Reasons that never reach a client, with why.
const std::map<std::string, std::string>& NotSentToClients() {
  static const auto* reasons = new std::map<std::string, std::string>{
      {"CONFIG_INVALID", "a bad identity-provider file at startup (common/auth/jwt.cc)"},
      {"WEBHOOK_SIGNATURE_INVALID",
       "a webhook receiver's own check of Lagom-Signature (services/questionnaire/webhooks)"},
  };
  return *reasons;
}

bool IsReasonShaped(std::string_view s) {
  if (s.size() < 2 || !absl::ascii_isupper(s[0])) return false;
  for (char c : s) {
    if (!absl::ascii_isupper(c) && !absl::ascii_isdigit(c) && c != '_') return false;
  }
  return true;
}

// The UPPER_SNAKE string literals of every statement that starts at a call of Error,
// WithReason, set_reason or a helper that takes a reason (Unauthenticated, Refused,
// RowError): the reasons (messages are never all capitals).
std::set<std::string> ReasonsIn(const std::string& text) {
  std::set<std::string> out;
  for (std::string_view call :
       {"Error(", "WithReason(", "set_reason(", "Unauthenticated(", "Refused(", "RowError("}) {
    for (size_t at = text.find(call); at != std::string::npos; at = text.find(call, at + 1)) {
      const bool whole_name =
          at == 0 || !(absl::ascii_isalnum(text[at - 1]) || text[at - 1] == '_');
      // absl::InternalError(, IsUnauthenticated( and the like
      if (!whole_name && call != "WithReason(" && call != "set_reason(") continue;
      const size_t end = text.find(';', at);
      for (size_t q = text.find('"', at); q < end; q = text.find('"', q + 1)) {
        const size_t close = text.find('"', q + 1);
        if (close == std::string::npos || close > end) break;
        const std::string literal = text.substr(q + 1, close - q - 1);
        if (IsReasonShaped(literal)) out.insert(literal);
        q = close;
      }
    }
  }
  return out;
}

// reason -> the first source file giving it, over common/ and services/ without tests.
std::map<std::string, std::string> ReasonsOfTheSources() {
  std::map<std::string, std::string> out;
  const fs::path root = LAGOM_SOURCE_DIR;
  for (const char* dir : {"common", "services"}) {
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(root / dir)) {
      const std::string path = e.path().string();
      if (!e.is_regular_file() || absl::EndsWith(path, "_test.cc") ||
          !(absl::EndsWith(path, ".cc") || absl::EndsWith(path, ".h"))) {
        continue;
      }
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      for (const std::string& reason : ReasonsIn(text.str())) {
        out.emplace(reason, fs::relative(e.path(), root).string());
      }
    }
  }
  return out;
}

bool IsCanonicalCodeName(const std::string& name) {
  for (int code = 0; code <= 16; ++code) {
    if (absl::StatusCodeToString(static_cast<absl::StatusCode>(code)) == name) return true;
  }
  return false;
}

TEST(ErrorReasonsTest, TheScanFindsReasonsAsTheCodeWritesThem) {
  EXPECT_THAT(ReasonsIn(R"(return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
                                  absl::StrCat("no ", what)); x = "OTHER_LITERAL";
      WithReason(absl::NotFoundError("no session s1"), "SESSION_NOT_FOUND");
      e.set_reason(missing ? "RESOURCE_NOT_FOUND" : "FIELD_INVALID");
      absl::InternalError("NOT_A_REASON"); if (IsUnauthenticated("NOT_EITHER")) {}
      return Unauthenticated("CREDENTIAL_INVALID", "the key is revoked");)"),
              ::testing::ElementsAre("CREDENTIAL_INVALID", "FIELD_INVALID", "RESOURCE_NOT_FOUND",
                                     "SESSION_NOT_FOUND"));
}

TEST(ErrorReasonsTest, EveryReasonTheCodeGivesIsAnErrorReasonOrACanonicalCode) {
  const std::map<std::string, std::string> used = ReasonsOfTheSources();
  ASSERT_GT(used.size(), 20u) << "the scan of " << LAGOM_SOURCE_DIR << " found too little";
  const google::protobuf::EnumDescriptor* reasons = type::v1::ErrorReason_descriptor();
  for (const auto& [reason, file] : used) {
    if (IsCanonicalCodeName(reason) || NotSentToClients().contains(reason)) continue;
    EXPECT_NE(reasons->FindValueByName(absl::StrCat("ERROR_REASON_", reason)), nullptr)
        << reason << " (" << file << ") is not a value of lagom.type.v1.ErrorReason: add it to "
        << "proto/lagom/type/v1/error_reason.proto with the code it comes with";
  }
  for (const auto& [reason, why] : NotSentToClients()) {
    EXPECT_TRUE(used.contains(reason)) << reason << " is no longer used; drop it from the list";
  }
}

}  // namespace
}  // namespace lagom
