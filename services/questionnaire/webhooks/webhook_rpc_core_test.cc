// The hand-over's validation: every field checked, each violation naming its path.
#include "services/questionnaire/webhooks/webhook_rpc_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/resource_util.h"
#include "services/questionnaire/webhooks/webhook_core.h"

namespace lagom::questionnaire::webhooks {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::Time kNow = absl::FromUnixSeconds(1700000000);

auth::v1::PublishWebhookEventRequest ValidEvent() {
  auth::v1::PublishWebhookEventRequest req;
  req.set_tenant_id("acme");
  req.set_event_id("session-42");
  req.set_type("session.closed");
  req.set_resource("tenants/acme/sessions/autumn");
  req.mutable_event_time()->set_seconds(1700000000);
  (*req.mutable_data())["session"] = "tenants/acme/sessions/autumn";
  return req;
}

std::vector<std::string> Fields(const std::vector<FieldViolation>& violations) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : violations) fields.push_back(v.field);
  return fields;
}

TEST(ValidateEventTest, AcceptsAWellFormedEvent) {
  EXPECT_THAT(ValidateEvent(ValidEvent(), kNow), IsEmpty());
}

TEST(ValidateEventTest, NamesEveryMissingField) {
  EXPECT_THAT(Fields(ValidateEvent(auth::v1::PublishWebhookEventRequest(), kNow)),
              ElementsAre("tenant_id", "event_id", "type", "resource", "event_time"));
}

TEST(ValidateEventTest, SaysWhatIsWrongWithEachField) {
  auth::v1::PublishWebhookEventRequest req = ValidEvent();
  req.set_tenant_id("Acme Corp");
  req.set_event_id("has space");
  req.set_type("session.deleted");
  req.set_resource("tenants/globex/sessions/s1");
  req.mutable_event_time()->set_seconds(-5);
  (*req.mutable_data())["Bad-Key"] = "x";
  (*req.mutable_data())["description"] = std::string(kMaxEventDataValueChars + 1, 'a');
  const std::vector<FieldViolation> v = ValidateEvent(req, kNow);
  ASSERT_THAT(Fields(v), ElementsAre("tenant_id", "event_id", "type", "resource", "event_time",
                                     "data[\"Bad-Key\"]", "data[\"description\"]"));
  EXPECT_THAT(v[0].description, HasSubstr("lowercase"));
  EXPECT_THAT(v[1].description, HasSubstr("letters, digits"));
  EXPECT_THAT(v[2].description, HasSubstr("unknown event type 'session.deleted'"));
  EXPECT_THAT(v[2].description, HasSubstr("improvement.proposed"));
  EXPECT_THAT(v[3].description, HasSubstr("inside the event's tenant"));
  EXPECT_THAT(v[5].description, HasSubstr("lowerCamelCase"));
  EXPECT_THAT(v[6].description, HasSubstr("at most 8000"));
}

TEST(ValidateEventTest, AnEventTimeAheadOfTheClockBeyondTheSkewIsRefused) {
  auth::v1::PublishWebhookEventRequest req = ValidEvent();
  *req.mutable_event_time() = ToProto(kNow + kMaxEventClockSkew);
  EXPECT_THAT(ValidateEvent(req, kNow), IsEmpty());
  for (absl::Time ahead : {kNow + kMaxEventClockSkew + absl::Seconds(1),
                           absl::FromCivil(absl::CivilSecond(3000, 1, 1), absl::UTCTimeZone())}) {
    *req.mutable_event_time() = ToProto(ahead);
    const std::vector<FieldViolation> v = ValidateEvent(req, kNow);
    ASSERT_THAT(Fields(v), ElementsAre("event_time"));
    EXPECT_THAT(v[0].description, HasSubstr("at most 5m ahead of now (2023-11-14T22:13:20Z)"));
  }
  req.mutable_event_time()->set_seconds(253402300800);  // 10000-01-01: no Timestamp at all
  EXPECT_THAT(Fields(ValidateEvent(req, kNow)), ElementsAre("event_time"));
}

TEST(ValidateEventTest, TheResourceMustBeInsideTheEventsTenant) {
  auth::v1::PublishWebhookEventRequest req = ValidEvent();
  for (const char* resource :
       {"tenants/acme", "tenants/acme/", "tenants/acmeco/sessions/s1", "sessions/s1"}) {
    req.set_resource(resource);
    EXPECT_THAT(Fields(ValidateEvent(req, kNow)), ElementsAre("resource")) << resource;
  }
}

TEST(ValidateEventTest, LimitsTheNumberOfDataEntries) {
  auth::v1::PublishWebhookEventRequest req = ValidEvent();
  for (int i = 0; i < kMaxEventDataEntries; ++i) (*req.mutable_data())[absl::StrCat("k", i)] = "v";
  EXPECT_THAT(Fields(ValidateEvent(req, kNow)), ElementsAre("data"));
}

TEST(EventPayloadTest, IsTheProtobufJsonOfAWebhookEvent) {
  const std::string body =
      EventPayload("acme", "session-42", "session.closed", absl::FromUnixSeconds(1700000000),
                   "tenants/acme/sessions/autumn", {{"session", "tenants/acme/sessions/autumn"}});
  EXPECT_EQ(body,
            R"({"name":"tenants/acme/webhookEvents/session-42","type":"session.closed",)"
            R"("createTime":"2023-11-14T22:13:20Z","resource":"tenants/acme/sessions/autumn",)"
            R"("data":{"session":"tenants/acme/sessions/autumn"}})");
}

}  // namespace
}  // namespace lagom::questionnaire::webhooks
