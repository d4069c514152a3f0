// A blocking HTTP/1.1 client on libcurl for tests and tools on this machine: one keep-alive
// connection per client, so a client is used by one thread at a time.
#ifndef LAGOM_COMMON_HTTP_CLIENT_H_
#define LAGOM_COMMON_HTTP_CLIENT_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lagom {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
};

class HttpClient final {
 public:
  // `base` is "http://HOST:PORT".
  explicit HttpClient(std::string base, absl::Duration timeout = absl::Seconds(30));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `target` is the path with its query string. UNAVAILABLE when no response came at all.
  absl::StatusOr<HttpResponse> Send(
      const std::string& method, const std::string& target, const std::string& body = "",
      const std::vector<std::pair<std::string, std::string>>& headers = {});

  // Like Send, but hands the body over as it arrives; returning false from `on_data` ends the
  // transfer (the response then holds what came before).
  absl::StatusOr<HttpResponse> Stream(
      const std::string& method, const std::string& target,
      const std::vector<std::pair<std::string, std::string>>& headers,
      const std::function<bool(const std::string& received)>& on_data);

 private:
  struct Handle;
  // `body` null: none is sent; `on_data` null: the whole body is collected.
  absl::StatusOr<HttpResponse> Perform(
      const std::string& method, const std::string& target, const std::string* body,
      const std::vector<std::pair<std::string, std::string>>& headers,
      const std::function<bool(const std::string&)>* on_data);
  const std::string base_;
  const absl::Duration timeout_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace lagom

#endif  // LAGOM_COMMON_HTTP_CLIENT_H_
