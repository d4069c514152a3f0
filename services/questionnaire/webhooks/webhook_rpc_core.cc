#include "services/questionnaire/webhooks/webhook_rpc_core.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "services/questionnaire/webhooks/webhook_core.h"

namespace lagom::questionnaire::webhooks {
namespace {

constexpr char kNoun[] = "webhook";
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr size_t kSecretPrefixChars = 12;  // "whsec_" and six characters

std::string WebhookName(absl::string_view tenant, absl::string_view id) {
  return absl::StrCat("tenants/", tenant, "/webhooks/", id);
}

tenancy::Webhook WebhookOf(const std::string& tenant, const WebhookRecord& r) {
  tenancy::Webhook w;
  w.set_name(WebhookName(tenant, r.id));
  w.set_url(r.url);
  for (const std::string& type : r.event_types) w.add_event_types(type);
  w.set_display_name(r.display_name);
  w.set_state(tenancy::Webhook::STATE_ACTIVE);
  w.set_secret_prefix(r.secret_prefix);
  w.set_creator(r.creator);
  *w.mutable_create_time() = ToProto(r.create_time);
  return w;
}

tenancy::WebhookDelivery DeliveryOf(const std::string& tenant, const DeliveryRecord& r) {
  tenancy::WebhookDelivery d;
  d.set_name(absl::StrCat(WebhookName(tenant, r.webhook_id), "/deliveries/", r.id));
  d.set_event_id(r.event_id);
  d.set_event_type(r.event_type);
  tenancy::WebhookDelivery::State state = tenancy::WebhookDelivery::STATE_PENDING;
  if (r.state == "SUCCEEDED") state = tenancy::WebhookDelivery::STATE_SUCCEEDED;
  if (r.state == "FAILED") state = tenancy::WebhookDelivery::STATE_FAILED;
  d.set_state(state);
  d.set_attempts(r.attempts);
  d.set_last_status_code(r.last_status_code);
  d.set_last_error(r.last_error);
  *d.mutable_create_time() = ToProto(r.create_time);
  if (r.last_attempt_time) *d.mutable_last_attempt_time() = ToProto(*r.last_attempt_time);
  if (state == tenancy::WebhookDelivery::STATE_PENDING) {
    *d.mutable_next_attempt_time() = ToProto(r.next_attempt_time);
  }
  return d;
}

// page_size: 0 → the default, above the maximum → the maximum, negative → a violation.
int PageSize(Violations& v, int requested) {
  if (requested < 0) v.Add("page_size", "must not be negative");
  if (requested <= 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

}  // namespace

std::string EventPayload(const std::string& tenant_id, const std::string& event_id,
                         const std::string& type, absl::Time create_time,
                         const std::string& resource,
                         const std::map<std::string, std::string>& data) {
  tenancy::WebhookEvent event;
  event.set_name(absl::StrCat("tenants/", tenant_id, "/webhookEvents/", event_id));
  event.set_type(type);
  *event.mutable_create_time() = ToProto(create_time);
  event.set_resource(resource);
  event.mutable_data()->insert(data.begin(), data.end());
  std::string json;
  // Serializing a message this binary built cannot fail.
  (void)google::protobuf::util::MessageToJsonString(event, &json);
  return json;
}

absl::Status WebhookRpcCore::CreateWebhook(const RequestContext& rc,
                                           const tenancy::CreateWebhookRequest& req,
                                           tenancy::CreateWebhookResponse* resp) {
  Violations v;
  absl::StatusOr<std::string> tenant =
      TenantResourceId(rc, req.parent(), "parent", "", "tenant", v);
  if (!tenant.ok()) return tenant.status();
  if (!req.webhook_id().empty() && !IsIdentifier(req.webhook_id(), 63)) {
    v.Add("webhook_id", "1-63 lowercase letters, digits or '-', starting with a letter");
  }
  const tenancy::Webhook& in = req.webhook();
  std::vector<std::string> types(in.event_types().begin(), in.event_types().end());
  for (FieldViolation& f : ValidateEndpoint("webhook", in.url(), types)) {
    v.Add(std::move(f.field), std::move(f.description));
  }
  CheckText(v, "webhook.display_name", in.display_name(), 200, false);
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid webhook");
  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](WebhookTransaction& tx) {
    return RunIdempotent(
        tx, req.request_id(), "CreateWebhook", req, resp,
        [&]() -> absl::Status {
          absl::StatusOr<int> count = tx.CountWebhooks();
          if (!count.ok()) return count.status();
          if (*count >= kMaxWebhooksPerTenant) {
            return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
                         absl::StrCat("a tenant holds at most ", kMaxWebhooksPerTenant,
                                      " webhooks; delete one first"));
          }
          WebhookRecord r;
          r.id = req.webhook_id().empty() ? NewId("wh") : req.webhook_id();
          r.url = in.url();
          r.event_types = types;
          r.display_name = in.display_name();
          r.state = "ACTIVE";
          r.secret = GenerateSecret();
          r.secret_prefix = r.secret.substr(0, kSecretPrefixChars);
          r.creator = rc.principal.subject();
          r.create_time = now;
          absl::Status inserted = tx.InsertWebhook(r);
          if (absl::IsAlreadyExists(inserted)) {
            return Error(
                absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
                absl::StrCat("webhook ", WebhookName(rc.tenant_id, r.id), " already exists"));
          }
          if (!inserted.ok()) return inserted;
          *resp->mutable_webhook() = WebhookOf(rc.tenant_id, r);
          resp->set_secret(r.secret);
          return absl::OkStatus();
        },
        [](google::protobuf::Message& kept) {
          static_cast<tenancy::CreateWebhookResponse&>(kept).clear_secret();
        });
  });
}

absl::Status WebhookRpcCore::GetWebhook(const RequestContext& rc,
                                        const tenancy::GetWebhookRequest& req,
                                        tenancy::GetWebhookResponse* resp) {
  Violations v;
  absl::StatusOr<std::string> id = TenantResourceId(rc, req.name(), "name", "webhooks", kNoun, v);
  if (!id.ok()) return id.status();
  if (!v.empty()) return std::move(v).ToStatus("invalid webhook name");
  return store_.InTenant(rc, [&](WebhookTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<WebhookRecord>> r = tx.GetWebhook(*id);
    if (!r.ok()) return r.status();
    if (!r->has_value()) return NotFound(kNoun, req.name());
    *resp->mutable_webhook() = WebhookOf(rc.tenant_id, **r);
    return absl::OkStatus();
  });
}

absl::Status WebhookRpcCore::ListWebhooks(const RequestContext& rc,
                                          const tenancy::ListWebhooksRequest& req,
                                          tenancy::ListWebhooksResponse* resp) {
  Violations v;
  absl::StatusOr<std::string> tenant =
      TenantResourceId(rc, req.parent(), "parent", "", "tenant", v);
  if (!tenant.ok()) return tenant.status();
  const int page_size = PageSize(v, req.page_size());
  // The token is the last id of the previous page (ids sort as they are listed).
  if (!req.page_token().empty() && !IsIdentifier(req.page_token(), 63)) {
    v.Add("page_token", "not a token from a previous ListWebhooks response");
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid list request");
  return store_.InTenant(rc, [&](WebhookTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<WebhookRecord>> rows =
        tx.ListWebhooks(req.page_token(), page_size + 1);
    if (!rows.ok()) return rows.status();
    const bool more = static_cast<int>(rows->size()) > page_size;
    if (more) rows->resize(page_size);
    for (const WebhookRecord& r : *rows) *resp->add_webhooks() = WebhookOf(rc.tenant_id, r);
    if (more) resp->set_next_page_token(rows->back().id);
    return absl::OkStatus();
  });
}

absl::Status WebhookRpcCore::DeleteWebhook(const RequestContext& rc,
                                           const tenancy::DeleteWebhookRequest& req,
                                           tenancy::DeleteWebhookResponse* resp) {
  Violations v;
  absl::StatusOr<std::string> id = TenantResourceId(rc, req.name(), "name", "webhooks", kNoun, v);
  if (!id.ok()) return id.status();
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid delete request");
  return store_.InTenant(rc, [&](WebhookTransaction& tx) {
    return RunIdempotent(tx, req.request_id(), "DeleteWebhook", req, resp, [&]() -> absl::Status {
      absl::Status deleted = tx.DeleteWebhook(*id);
      if (absl::IsNotFound(deleted)) return NotFound(kNoun, req.name());
      return deleted;
    });
  });
}

absl::Status WebhookRpcCore::ListWebhookDeliveries(const RequestContext& rc,
                                                   const tenancy::ListWebhookDeliveriesRequest& req,
                                                   tenancy::ListWebhookDeliveriesResponse* resp) {
  Violations v;
  absl::StatusOr<std::string> id =
      TenantResourceId(rc, req.parent(), "parent", "webhooks", kNoun, v);
  if (!id.ok()) return id.status();
  const int page_size = PageSize(v, req.page_size());
  // The token is the last delivery id of the previous page (newest first).
  int64_t before = 0;
  if (!req.page_token().empty() && (!absl::SimpleAtoi(req.page_token(), &before) || before <= 0)) {
    v.Add("page_token", "not a token from a previous ListWebhookDeliveries response");
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid list request");
  return store_.InTenant(rc, [&](WebhookTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<WebhookRecord>> webhook = tx.GetWebhook(*id);
    if (!webhook.ok()) return webhook.status();
    if (!webhook->has_value()) return NotFound(kNoun, req.parent());
    absl::StatusOr<std::vector<DeliveryRecord>> rows =
        tx.ListDeliveries(*id, before, page_size + 1);
    if (!rows.ok()) return rows.status();
    const bool more = static_cast<int>(rows->size()) > page_size;
    if (more) rows->resize(page_size);
    for (const DeliveryRecord& r : *rows) {
      *resp->add_webhook_deliveries() = DeliveryOf(rc.tenant_id, r);
    }
    if (more) resp->set_next_page_token(absl::StrCat(rows->back().id));
    return absl::OkStatus();
  });
}

absl::StatusOr<int> WebhookRpcCore::Publish(const RequestContext& rc, const std::string& event_id,
                                            const std::string& type, const std::string& resource,
                                            const std::map<std::string, std::string>& data) {
  if (!IsKnownEventType(type)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown webhook event type '", type, "'"));
  }
  EventRecord event;
  event.event_id = event_id;
  event.event_type = type;
  event.create_time = clock_();
  event.payload = EventPayload(rc.tenant_id, event_id, type, event.create_time, resource, data);
  int added = 0;
  absl::Status s = store_.InTenant(rc, [&](WebhookTransaction& tx) -> absl::Status {
    absl::StatusOr<int> n = tx.Enqueue(event);
    if (!n.ok()) return n.status();
    added = *n;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return added;
}

}  // namespace lagom::questionnaire::webhooks
