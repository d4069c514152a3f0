#include "common/http_client.h"

#include <curl/curl.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace lagom {
namespace {

struct Transfer {
  HttpResponse* response;
  const std::function<bool(const std::string&)>* on_data;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  transfer->response->body.append(data, size * count);
  if (transfer->on_data != nullptr && !(*transfer->on_data)(transfer->response->body)) return 0;
  return size * count;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  absl::string_view line(data, size * count);
  const size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    transfer->response->headers[absl::AsciiStrToLower(line.substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return size * count;
}

}  // namespace

struct HttpClient::Handle {
  CURL* curl = nullptr;
};

HttpClient::HttpClient(std::string base, absl::Duration timeout)
    : base_(std::move(base)), timeout_(timeout), handle_(std::make_unique<Handle>()) {
  static const bool kInitialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)kInitialized;
  handle_->curl = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (handle_->curl != nullptr) curl_easy_cleanup(handle_->curl);
}

absl::StatusOr<HttpResponse> HttpClient::Send(
    const std::string& method, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  const bool no_body = body.empty() && (method == "GET" || method == "DELETE");
  return Perform(method, target, no_body ? nullptr : &body, headers, nullptr);
}

absl::StatusOr<HttpResponse> HttpClient::Stream(
    const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::function<bool(const std::string& received)>& on_data) {
  return Perform(method, target, nullptr, headers, &on_data);
}

absl::StatusOr<HttpResponse> HttpClient::Perform(
    const std::string& method, const std::string& target, const std::string* body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::function<bool(const std::string&)>* on_data) {
  CURL* curl = handle_->curl;
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  curl_easy_reset(curl);
  HttpResponse response;
  Transfer transfer{&response, on_data};
  const std::string url = absl::StrCat(base_, target);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(timeout_)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_slist* list = nullptr;
  if (body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
    list = curl_slist_append(list, "Content-Type: application/json");
  }
  for (const auto& [name, value] : headers) {
    list = curl_slist_append(list, absl::StrCat(name, ": ", value).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(list);
  // A write error is the caller's on_data ending the transfer.
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && on_data != nullptr)) {
    return absl::UnavailableError(absl::StrCat(method, " ", url, ": ", curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace lagom
