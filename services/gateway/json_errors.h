// Errors over HTTP: the google.rpc.Status a service sent (code, message and details such as
// ErrorInfo, BadRequest and RetryInfo) as JSON, with the HTTP status google/rpc/code.proto
// assigns to its code; and the gateway's own errors for bodies the JSON mapping refuses.
#ifndef LAGOM_SERVICES_GATEWAY_JSON_ERRORS_H_
#define LAGOM_SERVICES_GATEWAY_JSON_ERRORS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lagom::gateway {

// OK 200, INVALID_ARGUMENT 400, FAILED_PRECONDITION 400, OUT_OF_RANGE 400, UNAUTHENTICATED 401,
// PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS 409, ABORTED 409,
// RESOURCE_EXHAUSTED 429, CANCELLED 499, UNKNOWN/INTERNAL/DATA_LOSS 500, UNIMPLEMENTED 501,
// UNAVAILABLE 503, DEADLINE_EXCEEDED 504.
int HttpStatusFor(grpc::StatusCode code);

struct HttpError {
  int http_status = 500;
  std::string json;         // google.rpc.Status in the JSON mapping
  std::string retry_after;  // whole seconds from google.rpc.RetryInfo, "" when none
};

// The status's error_details (a google.rpc.Status) when it has them, else one made of its code
// and message. Details of types this build does not know are left out rather than failing.
HttpError ToHttpError(const grpc::Status& status);

// INVALID_ARGUMENT (FIELD_INVALID) for a JSON body that the protobuf JSON parser refused with
// `parser_message`: a BadRequest violation names the field path it points at, prefixed with
// `body_field` (the rule's body field, "" for `body: "*"`).
absl::Status BodyError(absl::string_view body_field, absl::string_view message_type,
                       absl::string_view parser_message);

}  // namespace lagom::gateway

#endif  // LAGOM_SERVICES_GATEWAY_JSON_ERRORS_H_
