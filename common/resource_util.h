// What the cores of every service share about resources: collecting every bad field of
// a request (AIP-193), common field checks, etags (AIP-154), generated ids, timestamps and
// idempotent retries by request_id (AIP-155).
#ifndef LAGOM_COMMON_RESOURCE_UTIL_H_
#define LAGOM_COMMON_RESOURCE_UTIL_H_

#include <google/protobuf/map.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/request_context.h"
#include "common/status.h"

namespace lagom {

// The first reply to a mutation that carried a request_id.
struct IdempotentReply {
  std::string method;
  std::string request;  // RequestFingerprint of the first request
  std::string reply;    // serialized response message
  // Who sent it (RequestKey::caller); empty in replies kept by releases before callers were
  // kept, which answer the same request from anyone.
  std::string caller;
};

// Collects every problem with a request, so the caller learns all of them at once.
class Violations final {
 public:
  void Add(std::string field, std::string description) {
    list_.push_back({std::move(field), std::move(description)});
  }
  bool empty() const { return list_.empty(); }
  // INVALID_ARGUMENT "<what>: <first field>: <problem> (and N more)" with every violation.
  absl::Status ToStatus(absl::string_view what) &&;

 private:
  std::vector<FieldViolation> list_;
};

size_t Utf8Length(absl::string_view s);

// Why `value` holds a control character other than tab, line feed and carriage return (a NUL
// cannot even be stored in a PostgreSQL text column), naming the first; nullopt if it holds
// none.
std::optional<std::string> ControlCharacterIn(absl::string_view value);

// `value` with each control character ControlCharacterIn names replaced by a space.
std::string WithoutControlCharacters(absl::string_view value);

// Required: not blank. Always: at most `max` characters, and no ControlCharacterIn.
void CheckText(Violations& v, const std::string& path, absl::string_view value, size_t max,
               bool required);

// 1-`max` lowercase letters, digits or '-', starting with a letter.
bool IsIdentifier(absl::string_view s, size_t max);

void CheckLabels(Violations& v, const std::string& path,
                 const google::protobuf::Map<std::string, std::string>& labels);

void CheckRequestId(Violations& v, absl::string_view request_id);

google::protobuf::Timestamp ToProto(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& ts);

// Whether `ts` is in google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z, nanos 0-999999999. Times outside it have no RFC 3339 form
// and PostgreSQL refuses some of them, so a request carrying one is refused up front.
bool IsValidTimestamp(const google::protobuf::Timestamp& ts);

// Adds a violation for `path` naming the allowed range when `ts` is not valid; returns whether
// it is.
bool CheckTimestamp(Violations& v, const std::string& path, const google::protobuf::Timestamp& ts);

std::string EtagOf(int64_t version);

// An etag sent with a change must be the current one, so nobody overwrites a change they
// have not seen (AIP-154). No etag: last writer wins.
absl::Status CheckEtag(absl::string_view name, absl::string_view sent, absl::string_view current);

// "<prefix>-<10 random lowercase letters and digits>".
std::string NewId(absl::string_view prefix);

// NOT_FOUND, reason RESOURCE_NOT_FOUND: "<noun> <name> not found".
absl::Status NotFound(absl::string_view noun, absl::string_view name);

// The id in `tenants/{tenant}/{collection}/{id}`, or with an empty `collection` the tenant id of
// `tenants/{tenant}`. A malformed name adds a violation for `field` to `v` and returns "";
// another tenant's name is NOT_FOUND ("<noun> <name> not found"), with no hint it exists.
absl::StatusOr<std::string> TenantResourceId(const RequestContext& rc, absl::string_view name,
                                             absl::string_view field, absl::string_view collection,
                                             absl::string_view noun, Violations& v);

// Deterministic serialization of a message, to tell one request or query from another.
std::string RequestFingerprint(const google::protobuf::Message& request);

// What a reply is kept under for a retry: the request, and who sent it, since a kept reply was
// shaped for its caller (what their role may see) and its change is theirs. The caller is kept
// beside the request fingerprint (not in it), so that a release before it, during a rolling
// upgrade or after a rollback, still matches a retry's request as it always did.
struct RequestKey {
  std::string request;  // RequestFingerprint(request)
  std::string caller;   // the caller's credential kind, subject and participant, serialized
};
RequestKey KeyOf(const RequestContext& rc, const google::protobuf::Message& request);

// A retry's outcome from the reply kept for its request_id: that reply (parsed into
// `response`), or REQUEST_ID_REUSED when the request_id came from another caller or with a
// different request. A reply kept without a caller answers the same request from anyone.
absl::Status ReplayReply(const IdempotentReply& prior, absl::string_view request_id,
                         absl::string_view method, const RequestKey& key,
                         google::protobuf::Message* response);

// What is kept of `response` for retries; `redact` (optional) clears what must be shown only
// once (secrets).
IdempotentReply KeptReply(absl::string_view method, RequestKey key,
                          const google::protobuf::Message& response,
                          const std::function<void(google::protobuf::Message&)>& redact = {});

// A mutation with a request_id runs once: a retry with the same request from the same caller
// (`rc`) gets the first reply; the same request_id from another caller or on a different
// request is refused (REQUEST_ID_REUSED). `tx` is any transaction with FindReply(id) and
// RecordReply(id, IdempotentReply). `redact` as for KeptReply.
template <typename Tx, typename Body>
absl::Status RunIdempotent(Tx& tx, const RequestContext& rc, absl::string_view request_id,
                           absl::string_view method, const google::protobuf::Message& request,
                           google::protobuf::Message* response, Body&& body,
                           const std::function<void(google::protobuf::Message&)>& redact = {}) {
  if (request_id.empty()) return body();
  RequestKey key = KeyOf(rc, request);
  absl::StatusOr<std::optional<IdempotentReply>> prior = tx.FindReply(std::string(request_id));
  if (!prior.ok()) return prior.status();
  if (prior->has_value()) return ReplayReply(**prior, request_id, method, key, response);
  if (absl::Status s = body(); !s.ok()) return s;
  return tx.RecordReply(std::string(request_id),
                        KeptReply(method, std::move(key), *response, redact));
}

}  // namespace lagom

#endif  // LAGOM_COMMON_RESOURCE_UTIL_H_
