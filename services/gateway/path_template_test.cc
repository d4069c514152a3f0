#include "services/gateway/path_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lagom::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

PathTemplate MustParse(absl::string_view text) {
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : PathTemplate();
}

TEST(PathTemplateTest, AMultiSegmentVariableBindsTheMatchedSegmentsJoined) {
  PathTemplate t = MustParse("/v1/{name=tenants/*/sessions/*}:close");
  EXPECT_EQ(t.verb(), "close");
  EXPECT_EQ(t.literal_count(), 4);  // v1, tenants, sessions and the verb
  EXPECT_THAT(*t.Match("/v1/tenants/acme/sessions/s-1:close"),
              ElementsAre(Pair("name", "tenants/acme/sessions/s-1")));
  EXPECT_FALSE(t.Match("/v1/tenants/acme/sessions/s-1"));          // no verb
  EXPECT_FALSE(t.Match("/v1/tenants/acme/sessions/s-1:open"));     // another verb
  EXPECT_FALSE(t.Match("/v1/tenants/acme/models/m:close"));        // another collection
  EXPECT_FALSE(t.Match("/v1/tenants/acme/sessions/s-1/x:close"));  // one segment too many
  EXPECT_FALSE(t.Match("/v1/tenants//sessions/s-1:close"));        // '*' is never empty
}

TEST(PathTemplateTest, ABareVariableIsOneSegmentAndLiteralsFollowIt) {
  PathTemplate t = MustParse("/v1/{parent=tenants/*}/sessions");
  EXPECT_THAT(*t.Match("/v1/tenants/acme/sessions"), ElementsAre(Pair("parent", "tenants/acme")));
  PathTemplate single = MustParse("/v1/things/{thing_id}/{other.id}");
  EXPECT_THAT(*single.Match("/v1/things/a/b"),
              ElementsAre(Pair("thing_id", "a"), Pair("other.id", "b")));
}

TEST(PathTemplateTest, SegmentsArePercentDecodedAfterMatching) {
  PathTemplate t = MustParse("/v1/{name=tenants/*}");
  // An encoded slash stays inside its segment instead of making a new one.
  EXPECT_THAT(*t.Match("/v1/tenants/a%2Fb"), ElementsAre(Pair("name", "tenants/a/b")));
  EXPECT_THAT(*t.Match("/v1/tenants/caf%C3%A9"), ElementsAre(Pair("name", "tenants/café")));
}

TEST(PathTemplateTest, DoubleWildcardTakesTheRestOfThePath) {
  PathTemplate t = MustParse("/v1/{name=files/**}");
  EXPECT_THAT(*t.Match("/v1/files/a/b/c"), ElementsAre(Pair("name", "files/a/b/c")));
  EXPECT_THAT(*t.Match("/v1/files"), ElementsAre(Pair("name", "files")));
  EXPECT_FALSE(t.Match("/v2/files/a"));
}

TEST(PathTemplateTest, AVerbOnALiteralPath) {
  PathTemplate t = MustParse("/v1/invitations:accept");
  EXPECT_TRUE(t.variables().empty());
  EXPECT_THAT(*t.Match("/v1/invitations:accept"), ElementsAre());
  EXPECT_FALSE(t.Match("/v1/invitations"));
}

TEST(PathTemplateTest, MalformedTemplatesSayWhatIsWrong) {
  auto error = [](absl::string_view text) {
    absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(text);
    EXPECT_FALSE(parsed.ok()) << text;
    return std::string(parsed.status().message());
  };
  EXPECT_THAT(error("v1/x"), HasSubstr("must start with '/'"));
  EXPECT_THAT(error("/v1/{name=tenants/*"), HasSubstr("unterminated '{'"));
  EXPECT_THAT(error("/v1/{9name}"), HasSubstr("\"9name\" is not a field path"));
  EXPECT_THAT(error("/v1/{a}/{a}"), HasSubstr("field \"a\" is bound twice"));
  EXPECT_THAT(error("/v1/**/x"), HasSubstr("'**' must be the last segment"));
  EXPECT_THAT(error("/v1/a*b"), HasSubstr("'*' must be a whole segment"));
  EXPECT_THAT(error("/v1//x"), HasSubstr("empty segment"));
  EXPECT_THAT(error("/v1/x:"), HasSubstr("malformed verb"));
}

TEST(PercentDecodeTest, DecodesEscapesAndPlusOnlyInQueries) {
  EXPECT_EQ(PercentDecode("a%20b+c"), "a b+c");
  EXPECT_EQ(PercentDecode("a%20b+c", /*plus_is_space=*/true), "a b c");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
}

}  // namespace
}  // namespace lagom::gateway
