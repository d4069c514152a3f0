#include "common/log.h"

#include <gtest/gtest.h>

namespace lagom {
namespace {

TEST(LogTest, EscapesJsonSpecialCharacters) {
  EXPECT_EQ(JsonQuote("plain"), R"("plain")");
  EXPECT_EQ(JsonQuote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(JsonQuote("line\nnext\ttab\r"), R"("line\nnext\ttab\r")");
  EXPECT_EQ(JsonQuote(std::string_view("\x01\x1f\0", 3)), R"("\u0001\u001f\u0000")");
  EXPECT_EQ(JsonQuote("Västerås ✓"), "\"Västerås ✓\"");
}

TEST(LogTest, LineIsOneJsonObjectWithFields) {
  const absl::Time ts = absl::FromUnixMillis(1714564800123);  // 2024-05-01T12:00:00.123Z
  EXPECT_EQ(FormatLogLine(ts, LogLevel::kWarn, "session", "slow \"query\"",
                          {{"tenant", "acme"}, {"ms", "12"}}),
            R"({"ts":"2024-05-01T12:00:00.123Z","level":"warn","service":"session",)"
            R"("msg":"slow \"query\"","tenant":"acme","ms":"12"})"
            "\n");
}

}  // namespace
}  // namespace lagom
