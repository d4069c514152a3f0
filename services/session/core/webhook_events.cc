#include "services/session/core/webhook_events.h"

#include "absl/strings/str_cat.h"
#include "common/outbox_relay.h"
#include "common/resource_util.h"
#include "google/protobuf/util/time_util.h"
#include "lagom/auth/v1/auth.pb.h"

namespace lagom::session {

OutboxEvent SessionWebhookEvent(const std::string& tenant, const std::string& session_id,
                                const v1::Session& s, const std::string& type, absl::Time when,
                                int final_answer_count) {
  auth::v1::PublishWebhookEventRequest req;
  req.set_tenant_id(tenant);
  req.set_type(type);
  req.set_resource(s.name());
  *req.mutable_event_time() = ToProto(when);
  auto& data = *req.mutable_data();
  data["session"] = s.name();
  data["title"] = s.title();
  data["state"] = v1::SessionState_Name(s.state());
  data["modelVersion"] = s.model_version();
  if (s.has_open_time()) {
    data["openTime"] = google::protobuf::util::TimeUtil::ToString(s.open_time());
  }
  if (s.has_close_time()) {
    data["closeTime"] = google::protobuf::util::TimeUtil::ToString(s.close_time());
  }
  if (s.has_due_time()) data["dueTime"] = google::protobuf::util::TimeUtil::ToString(s.due_time());
  if (final_answer_count >= 0) data["finalAnswerCount"] = absl::StrCat(final_answer_count);
  return OutboxEvent{kWebhooksConsumer, type, session_id, req.SerializeAsString()};
}

}  // namespace lagom::session
