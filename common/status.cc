#include "common/status.h"

#include <optional>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace lagom {
namespace {

// What an error quotes of the caller's input is cut to these many bytes: an error never
// carries megabytes back, nor passes what gRPC's metadata holds (its message and details
// travel in trailers).
constexpr size_t kMaxQuotingBytes = 2000;  // a message
constexpr size_t kMaxFieldBytes = 300;     // a violation's field path
constexpr size_t kMaxDescriptionBytes = 1000;

// At most `max` bytes of `s` (plus a marking "..."), cut at a UTF-8 character boundary.
std::string Capped(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(ToAbsl(s.substr(0, end)), "...");
}

// Payload keys are the Any type URLs, so the payloads map 1:1 onto google.rpc.Status details.
constexpr char kTypePrefix[] = "type.googleapis.com/";
const std::string& ErrorInfoUrl() {
  static const auto* const kUrl =
      new std::string(absl::StrCat(kTypePrefix, google::rpc::ErrorInfo::descriptor()->full_name()));
  return *kUrl;
}
const std::string& BadRequestUrl() {
  static const auto* const kUrl = new std::string(
      absl::StrCat(kTypePrefix, google::rpc::BadRequest::descriptor()->full_name()));
  return *kUrl;
}

std::string DefaultReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kNotFound:
      return "RESOURCE_NOT_FOUND";
    case absl::StatusCode::kInvalidArgument:
      return "FIELD_INVALID";
    case absl::StatusCode::kUnimplemented:
      return "NOT_IMPLEMENTED_YET";
    default:
      return absl::StatusCodeToString(code);  // "ABORTED", "UNAUTHENTICATED", ...
  }
}

template <typename Proto>
std::optional<Proto> PayloadAs(const absl::Status& status, const std::string& url) {
  absl::optional<absl::Cord> payload = status.GetPayload(url);
  Proto proto;
  if (!payload || !proto.ParseFromString(std::string(*payload))) return std::nullopt;
  return proto;
}

std::optional<google::rpc::Status> DetailsOf(const grpc::Status& status) {
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details())) {
    return std::nullopt;
  }
  return details;
}

}  // namespace

absl::Status WithReason(absl::Status status, std::string_view reason) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(kErrorDomain);
  status.SetPayload(ErrorInfoUrl(), absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status Error(absl::StatusCode code, std::string_view reason, std::string_view message) {
  return WithReason(absl::Status(code, Capped(message, kMaxQuotingBytes)), reason);
}

absl::Status CommitInDoubt(std::string_view message) {
  return Error(absl::StatusCode::kUnavailable, "COMMIT_IN_DOUBT", message);
}

bool IsCommitInDoubt(const absl::Status& status) {
  return absl::IsUnavailable(status) && ReasonOf(status) == "COMMIT_IN_DOUBT";
}

absl::Status ViolationsError(std::string_view what, std::vector<FieldViolation> violations,
                             std::string_view unlisted, size_t not_collected) {
  std::string message = absl::StrCat(ToAbsl(what), ": ", violations.front().field, ": ",
                                     violations.front().description);
  const size_t more = violations.size() - 1 + not_collected;
  if (more > 0) absl::StrAppend(&message, " (and ", more, " more)");
  return InvalidArgumentError(message, std::move(violations), unlisted, not_collected);
}

absl::Status InvalidArgumentError(std::string_view message, std::vector<FieldViolation> violations,
                                  std::string_view unlisted, size_t not_collected) {
  // Paths and descriptions may quote what the caller sent (a map key, a name): cut, each
  // still says which field and why, however large the input.
  for (FieldViolation& v : violations) {
    if (v.field.size() > kMaxFieldBytes) v.field = Capped(v.field, kMaxFieldBytes);
    if (v.description.size() > kMaxDescriptionBytes) {
      v.description = Capped(v.description, kMaxDescriptionBytes);
    }
  }
  // Binary metadata is sent base64-encoded (4 bytes for 3), beside the message and the
  // ErrorInfo: 4,500 bytes of violations stay near 6 KiB on the wire.
  constexpr size_t kBudgetBytes = 4500;
  auto cost = [](const FieldViolation& v) { return v.field.size() + v.description.size() + 8; };
  size_t bytes = 0;
  size_t kept = violations.size();
  for (size_t i = 0; i < violations.size(); ++i) {
    bytes += cost(violations[i]);
    if (bytes > kBudgetBytes) {
      kept = i;
      break;
    }
  }
  const auto summary = [&](size_t more) -> FieldViolation {
    return {"", absl::StrCat("and ", more, " more violations not listed here: ", ToAbsl(unlisted))};
  };
  // The last one past the budget stays if it is no longer than the summary it would become.
  if (kept + 1 == violations.size() && not_collected == 0 &&
      cost(violations.back()) <= cost(summary(1))) {
    kept = violations.size();
  }
  const size_t more = violations.size() - kept + not_collected;
  violations.resize(kept);
  if (more > 0) violations.push_back(summary(more));
  google::rpc::BadRequest bad_request;
  for (FieldViolation& v : violations) {
    google::rpc::BadRequest::FieldViolation* out = bad_request.add_field_violations();
    out->set_field(std::move(v.field));
    out->set_description(std::move(v.description));
  }
  absl::Status status = Error(absl::StatusCode::kInvalidArgument, "FIELD_INVALID", message);
  status.SetPayload(BadRequestUrl(), absl::Cord(bad_request.SerializeAsString()));
  return status;
}

std::string ReasonOf(const absl::Status& status) {
  if (status.ok()) return "";
  auto info = PayloadAs<google::rpc::ErrorInfo>(status, ErrorInfoUrl());
  return info ? info->reason() : DefaultReason(status.code());
}

std::vector<FieldViolation> ViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  if (auto bad_request = PayloadAs<google::rpc::BadRequest>(status, BadRequestUrl())) {
    for (const auto& v : bad_request->field_violations())
      out.push_back({v.field(), v.description()});
  }
  return out;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  google::rpc::ErrorInfo info;
  info.set_reason(ReasonOf(status));
  info.set_domain(kErrorDomain);
  details.add_details()->PackFrom(info);
  // Every other detail travels too (BadRequest, RetryInfo, ...): payloads are keyed by their
  // Any type URL, so each maps onto one Any.
  status.ForEachPayload([&details](absl::string_view url, const absl::Cord& payload) {
    if (url == ErrorInfoUrl() || !absl::StartsWith(url, kTypePrefix)) return;
    google::protobuf::Any* any = details.add_details();
    any->set_type_url(std::string(url));
    any->set_value(std::string(payload));
  });
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                      details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  if (auto details = DetailsOf(status)) {
    for (const google::protobuf::Any& any : details->details()) {
      out.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return out;
}

namespace {

absl::Status Failed(absl::string_view service, absl::string_view what, const grpc::Status& status) {
  return Error(
      absl::StatusCode::kInternal, "DEPENDENCY_FAILED",
      absl::StrCat(what, " was refused by the ", service, " service: ", status.error_message()));
}

}  // namespace

absl::Status DownstreamError(absl::string_view service, absl::string_view what,
                             const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return FromGrpcStatus(status);
    // The other service refused what this one asked, or failed in a way a retry will not
    // change: a fault of Lagom's, not of the caller's request.
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::DATA_LOSS:
      return Failed(service, what, status);
    // INTERNAL is also what gRPC gives some transport failures (a reset stream) and what a
    // service gives a passing database condition; only its own DEPENDENCY_FAILED is final.
    case grpc::StatusCode::INTERNAL:
      if (ReasonOf(status) == "DEPENDENCY_FAILED") return Failed(service, what, status);
      [[fallthrough]];
    default:  // UNAVAILABLE, ABORTED, CANCELLED, UNKNOWN, UNIMPLEMENTED (mid-upgrade): retry
      return Error(
          absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
          absl::StrCat(what, " failed at the ", service, " service: ", status.error_message()));
  }
}

// Only what the server sent: a status without ErrorInfo has no reason.
std::string ReasonOf(const grpc::Status& status) {
  auto info = PayloadAs<google::rpc::ErrorInfo>(FromGrpcStatus(status), ErrorInfoUrl());
  return info ? info->reason() : "";
}

std::vector<FieldViolation> ViolationsOf(const grpc::Status& status) {
  return ViolationsOf(FromGrpcStatus(status));
}

}  // namespace lagom
