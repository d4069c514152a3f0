#include "services/questionnaire/webhooks/webhook_rpc_core.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

constexpr size_t kMaxEventIdChars = 100;
constexpr size_t kMaxResourceChars = 500;
constexpr size_t kMaxDataKeyChars = 64;
constexpr char kUtcSeconds[] = "%Y-%m-%dT%H:%M:%SZ";

bool IsEventId(absl::string_view id) {
  return !id.empty() && id.size() <= kMaxEventIdChars &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
         });
}

// lowerCamelCase, like the body's own field names.
bool IsDataKey(absl::string_view key) {
  return !key.empty() && key.size() <= kMaxDataKeyChars && absl::ascii_islower(key[0]) &&
         std::all_of(key.begin(), key.end(), [](char c) { return absl::ascii_isalnum(c); });
}

}  // namespace

std::vector<FieldViolation> ValidateEvent(const auth::v1::PublishWebhookEventRequest& req,
                                          absl::Time now) {
  std::vector<FieldViolation> v;
  if (!IsValidTenantId(req.tenant_id())) {
    v.push_back({"tenant_id",
                 "required: the id of the tenant whose webhooks receive the event "
                 "(2-63 lowercase letters, digits or '-', starting with a letter)"});
  }
  if (!IsEventId(req.event_id())) {
    v.push_back({"event_id", absl::StrCat("required: 1-", kMaxEventIdChars,
                                          " letters, digits, '-', '_' or '.', unique in the "
                                          "tenant and the same on every retry")});
  }
  if (!IsKnownEventType(req.type())) {
    v.push_back({"type", absl::StrCat(req.type().empty()
                                          ? "required"
                                          : absl::StrCat("unknown event type '", req.type(), "'"),
                                      "; known: ", absl::StrJoin(kEventTypes, ", "))});
  }
  const std::string tenant_prefix = absl::StrCat("tenants/", req.tenant_id(), "/");
  if (req.resource().empty()) {
    v.push_back({"resource", "required: the name of the resource the event is about"});
  } else if (req.resource().size() > kMaxResourceChars) {
    v.push_back({"resource", absl::StrCat("at most ", kMaxResourceChars, " characters")});
  } else if (!absl::StartsWith(req.resource(), tenant_prefix) ||
             req.resource().size() == tenant_prefix.size()) {
    v.push_back({"resource", absl::StrCat("must name a resource inside the event's tenant: ",
                                          tenant_prefix, "...")});
  }
  if (!req.has_event_time()) {
    v.push_back({"event_time", "required: when the event happened"});
  } else if (!IsValidTimestamp(req.event_time()) || req.event_time().seconds() <= 0 ||
             FromProto(req.event_time()) > now + kMaxEventClockSkew) {
    v.push_back(
        {"event_time",
         absl::StrCat("must be a valid time after 1970 and at most ",
                      absl::FormatDuration(kMaxEventClockSkew), " ahead of now (",
                      absl::FormatTime(kUtcSeconds, now, absl::UTCTimeZone()), "); got seconds ",
                      req.event_time().seconds(), ", nanos ", req.event_time().nanos())});
  }
  if (req.data_size() > kMaxEventDataEntries) {
    v.push_back({"data", absl::StrCat("at most ", kMaxEventDataEntries, " entries")});
  }
  // Sorted, so the violations come in the same order on every call.
  const std::map<std::string, std::string> data(req.data().begin(), req.data().end());
  for (const auto& [key, value] : data) {
    const std::string path = absl::StrCat("data[\"", absl::CHexEscape(key), "\"]");
    if (!IsDataKey(key)) {
      v.push_back({path, absl::StrCat("keys are lowerCamelCase: a lowercase letter, then letters "
                                      "or digits, at most ",
                                      kMaxDataKeyChars, " characters")});
    } else if (Utf8Length(value) > kMaxEventDataValueChars) {
      v.push_back({path, absl::StrCat("at most ", kMaxEventDataValueChars, " characters")});
    }
  }
  return v;
}

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
  for (FieldViolation& f :
       ValidateEndpoint("webhook", in.url(), types, options_.allow_private_networks)) {
    v.Add(std::move(f.field), std::move(f.description));
  }
  CheckText(v, "webhook.display_name", in.display_name(), 200, false);
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid webhook");
  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](WebhookTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "CreateWebhook", req, resp,
        [&]() -> absl::Status {
          if (absl::Status s = tx.LockWebhooksQuota(); !s.ok()) return s;
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
          // Where the tenant's events go is an administrative act: who pointed them where.
          if (absl::Status s = tx.AppendAudit(AuditOf(
                  rc, now, "webhook.created", "CreateWebhook", WebhookName(rc.tenant_id, r.id),
                  req.request_id(),
                  absl::StrCat("url ", r.url, "; events ", absl::StrJoin(r.event_types, ","))));
              !s.ok()) {
            return s;
          }
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
  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](WebhookTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "DeleteWebhook", req, resp, [&]() -> absl::Status {
          absl::StatusOr<std::optional<WebhookRecord>> gone = tx.GetWebhook(*id);
          if (!gone.ok()) return gone.status();
          if (!gone->has_value()) return NotFound(kNoun, req.name());
          if (absl::Status deleted = tx.DeleteWebhook(*id); !deleted.ok()) {
            return absl::IsNotFound(deleted) ? NotFound(kNoun, req.name()) : deleted;
          }
          // Its delivery log goes with it; the audit line keeps where it pointed.
          return tx.AppendAudit(AuditOf(rc, now, "webhook.deleted", "DeleteWebhook", req.name(),
                                        req.request_id(), absl::StrCat("url ", (*gone)->url)));
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

absl::Status WebhookRpcCore::PublishWebhookEvent(const RequestContext& rc,
                                                 const auth::v1::PublishWebhookEventRequest& req,
                                                 auth::v1::PublishWebhookEventResponse* resp) {
  Violations v;
  for (FieldViolation& f : ValidateEvent(req, clock_())) {
    v.Add(std::move(f.field), std::move(f.description));
  }
  // AuthService admits only Lagom's own services, calling as themselves; one acting for a
  // tenant may hand over that tenant's events only.
  if (!rc.tenant_id.empty() && rc.tenant_id != req.tenant_id()) {
    return Error(absl::StatusCode::kPermissionDenied, "TENANT_MISMATCH",
                 "a webhook event can only be handed over for the caller's own tenant");
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid webhook event");
  RequestContext tenant_rc = rc;
  tenant_rc.tenant_id = req.tenant_id();
  EventRecord event;
  event.event_id = req.event_id();
  event.event_type = req.type();
  event.create_time = FromProto(req.event_time());
  const std::map<std::string, std::string> data(req.data().begin(), req.data().end());
  event.payload = EventPayload(req.tenant_id(), req.event_id(), req.type(), event.create_time,
                               req.resource(), data);
  return store_.InTenant(tenant_rc, [&](WebhookTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<int>> added = tx.Enqueue(event);
    if (!added.ok()) return added.status();
    resp->set_duplicate(!added->has_value());
    resp->set_deliveries_added(added->value_or(0));
    return absl::OkStatus();
  });
}

absl::StatusOr<int> WebhookRpcCore::Publish(const RequestContext& rc, const std::string& event_id,
                                            const std::string& type, const std::string& resource,
                                            const std::map<std::string, std::string>& data) {
  auth::v1::PublishWebhookEventRequest req;
  req.set_tenant_id(rc.tenant_id);
  req.set_event_id(event_id);
  req.set_type(type);
  req.set_resource(resource);
  *req.mutable_event_time() = ToProto(clock_());
  req.mutable_data()->insert(data.begin(), data.end());
  auth::v1::PublishWebhookEventResponse resp;
  absl::Status s = PublishWebhookEvent(rc, req, &resp);
  if (!s.ok()) return s;
  return resp.deliveries_added();
}

}  // namespace lagom::questionnaire::webhooks
