// The webhook delivery worker (design in webhook_core.h): claims due deliveries with a lease,
// POSTs each, signed, to its endpoint, and stamps the outcome: SUCCEEDED on 2xx, otherwise
// PENDING again after RetryDelay, or FAILED once past kGiveUpAfter. Runs in the questionnaire
// process; several replicas share the queue safely (FOR UPDATE SKIP LOCKED and the lease).
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_DELIVERY_WORKER_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_DELIVERY_WORKER_H_

#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/questionnaire/webhooks/webhook_store.h"

namespace lagom::questionnaire::webhooks {

// What came back from one POST: an HTTP status, or 0 and why nothing came back.
struct SendResult {
  int status_code = 0;
  std::string error;
};

// Posts are made from several threads at once.
class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  virtual SendResult Post(const std::string& url,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body) = 0;
};

struct CurlWebhookSenderOptions {
  absl::Duration timeout = absl::Seconds(10);
  // Whether private, loopback, link-local and metadata addresses may be reached
  // (address_policy.h); only for local receivers.
  bool allow_private_networks = false;
};

// POSTs with libcurl, one connection per delivery, http(s) only, no redirects followed, no
// proxy (the address check must see the receiver's own address). Every address the URL's host
// resolves to is checked on the socket before it connects; a refused one is never connected
// to, and the result's error says which ranges were refused (the addresses go to the log only:
// the error is the tenant's to read).
class CurlWebhookSender final : public WebhookSender {
 public:
  explicit CurlWebhookSender(CurlWebhookSenderOptions options = {}) : options_(options) {}
  SendResult Post(const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body) override;

 private:
  const CurlWebhookSenderOptions options_;
};

struct DeliveryWorkerOptions {
  absl::Duration poll = absl::Seconds(1);
  // Longer than a pass may take: its POSTs are made at once, so the sender's timeout.
  absl::Duration lease = absl::Minutes(1);
  int batch = 16;
  int per_tenant = 4;  // at most this many of one tenant's deliveries in a pass
};

class DeliveryWorker final {
 public:
  using Clock = std::function<absl::Time()>;
  // Not owned.
  DeliveryWorker(DeliveryQueue& queue, WebhookSender& sender, DeliveryWorkerOptions options = {},
                 Clock clock = absl::Now);
  ~DeliveryWorker();  // stops the thread if started

  // One pass: claims due deliveries and attempts them all at once, each on a thread of its own,
  // so a pass takes as long as its slowest POST whatever the batch. Returns how many it claimed.
  absl::StatusOr<int> RunOnce();

  // Runs a pass every `poll` (at once after a pass that claimed any) on a thread until destroyed.
  void Start();

 private:
  void Attempt(const DueDelivery& delivery);
  void Loop();

  DeliveryQueue& queue_;
  WebhookSender& sender_;
  const DeliveryWorkerOptions options_;
  Clock clock_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace lagom::questionnaire::webhooks

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_DELIVERY_WORKER_H_
