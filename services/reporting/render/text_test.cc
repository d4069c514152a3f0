// Escaping, shortening, translation fallback and number formats, one rule at a time.
#include "services/reporting/render/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "services/reporting/render/format.h"

namespace lagom::reporting {
namespace {

constexpr Language kEn = Language::kEnglish;
constexpr Language kSv = Language::kSwedish;

TEST(EscapeTest, EscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(Escape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
}

TEST(EscapeTest, KeepsValidUtf8AndReplacesWhatXmlCannotHold) {
  EXPECT_EQ(Escape("Ändring ≥ 5 ✓ 😀"), "Ändring ≥ 5 ✓ 😀");
  EXPECT_EQ(Escape("tab\tnew\nline"), "tab\tnew\nline");
  EXPECT_EQ(Escape("bell\x07"), "bell\uFFFD");                      // control character
  EXPECT_EQ(Escape("bad\xff"), "bad\uFFFD");                        // not UTF-8
  EXPECT_EQ(Escape("cut\xc3"), "cut\uFFFD");                        // truncated sequence
  EXPECT_EQ(Escape("over\xc0\xaf"), "over\uFFFD\uFFFD");            // overlong '/'
  EXPECT_EQ(Escape("half\xed\xa0\x80"), "half\uFFFD\uFFFD\uFFFD");  // surrogate
  EXPECT_EQ(Escape(std::string("nul\0", 4)), "nul\uFFFD");
}

TEST(ShortenTest, CutsAtCharactersAndEndsInAnEllipsis) {
  EXPECT_EQ(Shorten("Incident", 8), "Incident");
  EXPECT_EQ(Shorten("Incident management", 8), "Inciden…");
  EXPECT_EQ(Shorten("Ändringshantering", 5), "Ändr…");
  EXPECT_EQ(Shorten("åäöåäö", 3), "åä…");
  EXPECT_EQ(Shorten("anything", 0), "");
}

TEST(LocalizeTest, FallsBackToDefaultThenEnglishThenFirstTagThenFallback) {
  type::LocalizedText text;
  auto& t = *text.mutable_translations();
  t["de"] = "Störung";
  t["fr"] = "Incident (fr)";
  EXPECT_EQ(Localize(text, "sv", "en", "id"), "Störung");  // alphabetically first
  t["en"] = "Incident";
  EXPECT_EQ(Localize(text, "sv", "fr", "id"), "Incident (fr)");  // the model's default
  EXPECT_EQ(Localize(text, "sv", "nb", "id"), "Incident");       // then English
  t["sv"] = "";
  EXPECT_EQ(Localize(text, "sv", "nb", "id"), "Incident");  // empty is missing
  t["sv"] = "Incident (sv)";
  EXPECT_EQ(Localize(text, "sv", "en", "id"), "Incident (sv)");
  EXPECT_EQ(Localize(type::LocalizedText(), "sv", "en", "id"), "id");
}

TEST(FileStemTest, KeepsSafeCharactersOfTheLastSegment) {
  EXPECT_EQ(FileStem("tenants/t/scorecards/2025-q1"), "2025-q1");
  EXPECT_EQ(FileStem("tenants/t/scorecards/a b;c\"d"), "a-b-c-d");
  EXPECT_EQ(FileStem("tenants/t/scorecards/.hidden"), "-hidden");
  EXPECT_EQ(FileStem(""), "scorecard");
}

TEST(FormatTest, PercentsRoundToWholeNumbersInTheLanguagesStyle) {
  EXPECT_EQ(Percent(0.724, kEn), "72%");
  EXPECT_EQ(Percent(0.625, kEn), "63%");
  EXPECT_EQ(Percent(0.724, kSv), "72\u00a0%");
  EXPECT_EQ(Percent(std::nan(""), kEn), "–");
}

TEST(FormatTest, PercentagePointsAreAlwaysSignedAndNeverMinusZero) {
  EXPECT_EQ(PercentagePoints(-0.194, kEn), "−19\u00a0pp");
  EXPECT_EQ(PercentagePoints(0.09, kEn), "+9\u00a0pp");
  EXPECT_EQ(PercentagePoints(-0.004, kEn), "0\u00a0pp");
  EXPECT_EQ(PercentagePoints(-0.194, kSv), "−19\u00a0p.e.");
}

TEST(FormatTest, DecimalsUseTheLanguagesDecimalMark) {
  EXPECT_EQ(Decimal(0.614, 2, kEn), "0.61");
  EXPECT_EQ(Decimal(0.614, 2, kSv), "0,61");
}

TEST(FormatTest, TimesAreUtcAndEmptyWhenUnset) {
  google::protobuf::Timestamp time;
  EXPECT_EQ(FormatTime(time), "");
  time.set_seconds(1741962600);
  EXPECT_EQ(FormatTime(time), "2025-03-14 14:30 UTC");
  EXPECT_EQ(FormatDate(time), "2025-03-14");
}

}  // namespace
}  // namespace lagom::reporting
