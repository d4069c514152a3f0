#include "services/gateway/json_errors.h"

#include <google/protobuf/stubs/common.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace lagom::gateway {
namespace {

std::string StatusJson(google::rpc::Status status) {
  // A message that quotes a caller's bytes that are not UTF-8 shows them escaped. (Protobuf's
  // own check: the one its parsers apply to every string field.)
  if (!google::protobuf::internal::IsStructurallyValidUTF8(status.message())) {
    status.set_message(absl::CHexEscape(status.message()));
  }
  std::string json;
  if (google::protobuf::util::MessageToJsonString(status, &json).ok()) return json;
  // A detail of a type this build does not know: the rest still says what went wrong.
  google::rpc::Status known;
  known.set_code(status.code());
  known.set_message(status.message());
  for (const google::protobuf::Any& detail : status.details()) {
    google::rpc::Status one;
    *one.add_details() = detail;
    std::string ignored;
    if (google::protobuf::util::MessageToJsonString(one, &ignored).ok()) {
      *known.add_details() = detail;
    }
  }
  json.clear();
  (void)google::protobuf::util::MessageToJsonString(known, &json);
  return json;
}

// "scope.customerOrganizations[0]": what protobuf's parser puts before the problem.
bool IsFieldLocation(absl::string_view location) {
  if (location.empty() || !(absl::ascii_isalpha(location[0]) || location[0] == '_')) return false;
  for (char c : location) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '[' && c != ']') return false;
  }
  return true;
}

}  // namespace

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DATA_LOSS:
    default:
      return 500;
  }
}

HttpError ToHttpError(const grpc::Status& status) {
  HttpError error;
  error.http_status = HttpStatusFor(status.error_code());
  google::rpc::Status rpc;
  if (status.error_details().empty() || !rpc.ParseFromString(status.error_details()) ||
      rpc.code() != status.error_code()) {
    rpc.Clear();
    rpc.set_code(status.error_code());
    rpc.set_message(status.error_message());
  }
  for (const google::protobuf::Any& detail : rpc.details()) {
    google::rpc::RetryInfo retry;
    if (detail.UnpackTo(&retry) && retry.has_retry_delay()) {
      // Whole seconds, rounded up: Retry-After takes no fractions.
      const auto& delay = retry.retry_delay();
      error.retry_after = absl::StrCat(delay.seconds() + (delay.nanos() > 0 ? 1 : 0));
    }
  }
  error.json = StatusJson(rpc);
  return error;
}

absl::Status BodyError(absl::string_view body_field, absl::string_view message_type,
                       absl::string_view parser_message) {
  // protobuf's parser starts its messages with the field path it stopped at, "titel: Cannot
  // find field." or "(scope.title): invalid value 5 for type TYPE_STRING"; JSON syntax errors
  // name no field.
  std::string field(body_field.empty() ? "body" : body_field);
  absl::string_view problem = parser_message;
  const size_t colon = parser_message.find(": ");
  absl::string_view location = parser_message.substr(0, colon);
  std::string path(location);
  // "(scope) colour": the parser names the message it was in, then the unknown field.
  if (absl::ConsumePrefix(&location, "(")) {
    const size_t close = location.find(')');
    absl::string_view inner = location.substr(0, close);
    absl::string_view after = close == absl::string_view::npos
                                  ? ""
                                  : absl::StripAsciiWhitespace(location.substr(close + 1));
    path = after.empty() ? std::string(inner) : absl::StrCat(inner, ".", after);
  }
  if (colon != absl::string_view::npos && IsFieldLocation(path)) {
    field = body_field.empty() ? path : absl::StrCat(body_field, ".", path);
    problem = parser_message.substr(colon + 2);
    return InvalidArgumentError(absl::StrCat("the request body is not a valid ", message_type,
                                             " in JSON: ", field, ": ", problem),
                                {{field, std::string(problem)}});
  }
  return InvalidArgumentError(
      absl::StrCat("the request body is not a valid ", message_type, " in JSON: ", parser_message),
      {{field, std::string(parser_message)}});
}

}  // namespace lagom::gateway
