#include "services/questionnaire/webhooks/delivery_worker.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "services/questionnaire/webhooks/address_policy.h"
#include "services/questionnaire/webhooks/webhook_core.h"

namespace lagom::questionnaire::webhooks {
namespace {

// Kept of a failed response's body for the delivery log.
constexpr size_t kMaxErrorChars = 200;

struct Transfer {
  bool allow_private_networks = false;
  std::string refused;  // the addresses not connected to and their ranges, ", "-separated
  std::vector<std::string> refused_ranges;  // their ranges alone, each once
  std::string body;                         // the first kMaxErrorChars of the response
};

size_t KeepBodyStart(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t room = kMaxErrorChars - std::min(kMaxErrorChars, transfer->body.size());
  transfer->body.append(data, std::min(room, size * count));
  return size * count;
}

std::string AddressText(const sockaddr& address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.sa_family == AF_INET) {
    sockaddr_in v4;
    std::memcpy(&v4, &address, sizeof v4);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
  } else if (address.sa_family == AF_INET6) {
    sockaddr_in6 v6;
    std::memcpy(&v6, &address, sizeof v6);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
  }
  return text;
}

// libcurl asks for every socket it connects: the address it is about to reach is checked here,
// after name resolution, so a host name cannot smuggle a private address past the check.
curl_socket_t OpenCheckedSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(user);
  if (purpose == CURLSOCKTYPE_IPCXN && !transfer->allow_private_networks) {
    const std::string range = RefusedRange(address->addr);
    if (!range.empty()) {
      if (!transfer->refused.empty()) transfer->refused += ", ";
      absl::StrAppend(&transfer->refused, AddressText(address->addr), " (", range, ")");
      std::vector<std::string>& ranges = transfer->refused_ranges;
      if (std::find(ranges.begin(), ranges.end(), range) == ranges.end()) ranges.push_back(range);
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype, address->protocol);
}

}  // namespace

SendResult CurlWebhookSender::Post(const std::string& url,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   const std::string& body) {
  static const bool kInitialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)kInitialized;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (curl == nullptr) return SendResult{0, "curl_easy_init failed"};
  Transfer transfer;
  transfer.allow_private_networks = options_.allow_private_networks;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, &OpenCheckedSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &KeepBodyStart);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  // An empty Expect: keeps libcurl from waiting for "100 Continue" on larger bodies.
  curl_slist* lines = curl_slist_append(nullptr, "Expect:");
  for (const auto& [name, value] : headers) {
    lines = curl_slist_append(lines, absl::StrCat(name, ": ", value).c_str());
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list(lines, &curl_slist_free_all);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
  const CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    if (!transfer.refused.empty()) {
      // The tenant reads the delivery log: it is told the ranges, never the addresses its
      // host name resolved to inside the hosting network. The operator's log has them.
      LogWarn("webhook address refused", {{"url", url}, {"refused", transfer.refused}});
      return SendResult{
          0, absl::StrCat("refused: ", RefusalMessage(absl::StrCat(
                                           "the host resolves to refused addresses (",
                                           absl::StrJoin(transfer.refused_ranges, ", "), ")")))};
    }
    return SendResult{0, curl_easy_strerror(code)};
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  SendResult result{static_cast<int>(status), ""};
  if (!IsDelivered(result.status_code)) {
    result.error = absl::StrCat("HTTP ", status, ": ", transfer.body);
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
  absl::StatusOr<std::vector<DueDelivery>> due =
      queue_.Claim(options_.batch, options_.per_tenant, options_.lease);
  if (!due.ok()) return due.status();
  {
    // Joined as they go out of scope, also if starting one fails.
    std::vector<std::jthread> posts;
    posts.reserve(due->size());
    for (const DueDelivery& delivery : *due) {
      posts.emplace_back([this, &delivery] { Attempt(delivery); });
    }
  }
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
  if (d.url.empty()) {
    state = "FAILED";  // never to be attempted again
  } else if (!IsDelivered(result.status_code)) {
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
    // Not recorded: the lease runs out and the delivery is attempted again (at least once,
    // never lost), or it was claimed again already and that attempt records.
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
    // Anything claimed means more may be due (a pass takes only a share of one tenant's, so
    // a backlog never fills a batch): go again at once.
    if (claimed.ok() && *claimed > 0 && !stop_) continue;
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](DeliveryWorker* w) ABSL_NO_THREAD_SAFETY_ANALYSIS { return w->stop_; }, this),
        options_.poll);
    if (stop_) return;
  }
}

}  // namespace lagom::questionnaire::webhooks
