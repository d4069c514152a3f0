#include "services/questionnaire/webhooks/delivery_worker.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/http_client.h"
#include "common/log.h"
#include "services/questionnaire/webhooks/webhook_core.h"

namespace lagom::questionnaire::webhooks {
namespace {

// Kept of a failed response's body for the delivery log.
constexpr size_t kMaxErrorChars = 200;

}  // namespace

SendResult CurlWebhookSender::Post(const std::string& url,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   const std::string& body) {
  // HttpClient takes "scheme://authority" and the target apart.
  const size_t scheme_end = url.find("://");
  const size_t target_start =
      scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
  const std::string base = url.substr(0, target_start);
  const std::string target = target_start == std::string::npos ? "/" : url.substr(target_start);
  HttpClient client(base, timeout_);
  absl::StatusOr<HttpResponse> response = client.Send("POST", target, body, headers);
  if (!response.ok()) return SendResult{0, std::string(response.status().message())};
  SendResult result{response->status, ""};
  if (!IsDelivered(response->status)) {
    result.error =
        absl::StrCat("HTTP ", response->status, ": ", response->body.substr(0, kMaxErrorChars));
  }
  return result;
}

DeliveryWorker::DeliveryWorker(DeliveryQueue& queue, WebhookSender& sender,
                               DeliveryWorkerOptions options, Clock clock)
    : queue_(queue), sender_(sender), options_(options), clock_(std::move(clock)) {}

DeliveryWorker::~DeliveryWorker() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<int> DeliveryWorker::RunOnce() {
  absl::StatusOr<std::vector<DueDelivery>> due = queue_.Claim(options_.batch, options_.lease);
  if (!due.ok()) return due.status();
  for (const DueDelivery& delivery : *due) Attempt(delivery);
  return static_cast<int>(due->size());
}

void DeliveryWorker::Attempt(const DueDelivery& d) {
  SendResult result;
  if (d.url.empty()) {
    // The endpoint was deleted after the claim (its rows go with it); nothing to send.
    result.error = "webhook deleted";
  } else {
    const absl::Time now = clock_();
    result = sender_.Post(d.url,
                          {{"Content-Type", "application/json"},
                           {kSignatureHeader, SignatureHeaderValue(d.secret, now, d.payload)},
                           {kEventIdHeader, d.event_id},
                           {kEventTypeHeader, d.event_type},
                           {"User-Agent", "Lagom-Webhooks/1"}},
                          d.payload);
  }
  std::string state = "SUCCEEDED";
  std::optional<absl::Time> next;
  if (!IsDelivered(result.status_code)) {
    next = NextAttemptTime(d.attempts, d.create_time, clock_());
    state = next ? "PENDING" : "FAILED";
    LogWarn("webhook delivery failed", {{"tenant", d.tenant_id},
                                        {"webhook", d.webhook_id},
                                        {"event_id", d.event_id},
                                        {"attempts", absl::StrCat(d.attempts)},
                                        {"state", state},
                                        {"error", result.error}});
  }
  absl::Status recorded = queue_.Record(d, result.status_code, result.error, state, next);
  if (!recorded.ok()) {
    // The lease runs out and the delivery is attempted again: at least once, never lost.
    LogWarn("webhook delivery outcome not recorded",
            {{"event_id", d.event_id}, {"error", recorded.ToString()}});
  }
}

void DeliveryWorker::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void DeliveryWorker::Loop() {
  while (true) {
    absl::StatusOr<int> claimed = RunOnce();
    if (!claimed.ok()) {
      LogWarn("webhook delivery pass failed", {{"error", claimed.status().ToString()}});
    }
    absl::MutexLock lock(&mu_);
    // A full batch means more may be due: go again at once.
    if (claimed.ok() && *claimed == options_.batch && !stop_) continue;
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](DeliveryWorker* w) ABSL_NO_THREAD_SAFETY_ANALYSIS { return w->stop_; }, this),
        options_.poll);
    if (stop_) return;
  }
}

}  // namespace lagom::questionnaire::webhooks
