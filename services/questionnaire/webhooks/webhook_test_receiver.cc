#include "services/questionnaire/webhooks/webhook_test_receiver.h"

#include <civetweb.h>

#include "absl/strings/str_cat.h"
#include "services/questionnaire/webhooks/webhook_core.h"

namespace lagom::questionnaire::webhooks {

WebhookTestReceiver::WebhookTestReceiver(std::string secret, std::function<absl::Time()> now)
    : now_(std::move(now)), secret_(std::move(secret)) {
  mg_init_library(0);
  const char* options[] = {"listening_ports", "127.0.0.1:0", "num_threads", "2", nullptr};
  context_ = mg_start(nullptr, nullptr, options);
  mg_set_request_handler(context_, "/", &WebhookTestReceiver::Handle, this);
  mg_server_port port{};
  mg_get_server_ports(context_, 1, &port);
  port_ = port.port;
}

WebhookTestReceiver::~WebhookTestReceiver() { mg_stop(context_); }

std::string WebhookTestReceiver::url() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/hooks/lagom");
}

void WebhookTestReceiver::set_secret(std::string secret) {
  absl::MutexLock lock(&mu_);
  secret_ = std::move(secret);
}

void WebhookTestReceiver::QueueStatus(int status) {
  absl::MutexLock lock(&mu_);
  statuses_.push_back(status);
}

std::vector<WebhookTestReceiver::Request> WebhookTestReceiver::requests() {
  absl::MutexLock lock(&mu_);
  return requests_;
}

std::vector<WebhookTestReceiver::Request> WebhookTestReceiver::WaitFor(
    const std::function<bool(const std::vector<Request>&)>& done, absl::Duration timeout) {
  struct Wait {
    WebhookTestReceiver* self;
    const std::function<bool(const std::vector<Request>&)>* done;
  } wait{this, &done};
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(
      absl::Condition(
          +[](Wait* w) ABSL_NO_THREAD_SAFETY_ANALYSIS { return (*w->done)(w->self->requests_); },
          &wait),
      timeout);
  return requests_;
}

int WebhookTestReceiver::Handle(mg_connection* connection, void* self) {
  return static_cast<WebhookTestReceiver*>(self)->Serve(connection);
}

int WebhookTestReceiver::Serve(mg_connection* connection) {
  std::string body;
  char buffer[4096];
  for (int n; (n = mg_read(connection, buffer, sizeof buffer)) > 0;) body.append(buffer, n);
  const char* signature = mg_get_header(connection, kSignatureHeader);
  const char* event_id = mg_get_header(connection, kEventIdHeader);
  const char* event_type = mg_get_header(connection, kEventTypeHeader);
  int status = 200;
  {
    absl::MutexLock lock(&mu_);
    absl::Status verified = VerifySignature(secret_, signature ? signature : "", body, now_());
    requests_.push_back({body, event_id ? event_id : "", event_type ? event_type : "",
                         verified.ok(), std::string(verified.message())});
    if (!statuses_.empty()) {
      status = statuses_.front();
      statuses_.pop_front();
    }
  }
  if (status == 200) {
    mg_send_http_ok(connection, "text/plain", 0);
  } else {
    mg_send_http_error(connection, status, "%s", "refused by the test");
  }
  return status;
}

}  // namespace lagom::questionnaire::webhooks
