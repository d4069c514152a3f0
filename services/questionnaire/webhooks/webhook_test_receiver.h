// A webhook receiver for tests: CivetWeb on 127.0.0.1:<free port>, keeping every request it
// was sent (body, headers, whether the signature held by its clock) and answering with the
// next queued status (200 when none is queued).
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_TEST_RECEIVER_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_TEST_RECEIVER_H_

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

struct mg_connection;
struct mg_context;

namespace lagom::questionnaire::webhooks {

class WebhookTestReceiver final {
 public:
  struct Request {
    std::string body;
    std::string event_id;
    std::string event_type;
    bool signature_ok = false;
    std::string signature_error;
  };

  // Signatures are checked with `secret` (set_secret once the webhook exists) at `now()`.
  explicit WebhookTestReceiver(std::string secret = "",
                               std::function<absl::Time()> now = absl::Now);
  ~WebhookTestReceiver();

  // http://127.0.0.1:<port>/hooks/lagom
  std::string url() const;
  int port() const { return port_; }
  void set_secret(std::string secret);
  void QueueStatus(int status);
  std::vector<Request> requests();
  // Waits up to `timeout` until `done` holds for the requests so far; returns them.
  std::vector<Request> WaitFor(const std::function<bool(const std::vector<Request>&)>& done,
                               absl::Duration timeout);

 private:
  static int Handle(mg_connection* connection, void* self);
  int Serve(mg_connection* connection);

  const std::function<absl::Time()> now_;
  mg_context* context_ = nullptr;
  int port_ = 0;
  absl::Mutex mu_;
  std::string secret_ ABSL_GUARDED_BY(mu_);
  std::deque<int> statuses_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lagom::questionnaire::webhooks

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_TEST_RECEIVER_H_
