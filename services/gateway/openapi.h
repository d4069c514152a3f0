// The OpenAPI 3.0 document of the gateway's routes, made from the same descriptors the
// transcoder routes by: one operation per route, path and query parameters from the template
// and the request's remaining fields, request and response schemas from the messages (their
// comments as descriptions when the pool has source info), and google.rpc.Status for errors.
// docs/openapi.json is this document; a test fails when the two differ.
#ifndef LAGOM_SERVICES_GATEWAY_OPENAPI_H_
#define LAGOM_SERVICES_GATEWAY_OPENAPI_H_

#include <string>

#include "services/gateway/transcoder.h"

namespace lagom::gateway {

// Pretty-printed JSON (two-space indent) ending in a newline; the same for the same protos.
std::string OpenApiDocument(const Transcoder& transcoder);

// "sessions" → "session", "policies" → "policy", "settings" → "setting": the name of one
// element of a collection segment, for path parameters.
std::string Singular(absl::string_view collection);

}  // namespace lagom::gateway

#endif  // LAGOM_SERVICES_GATEWAY_OPENAPI_H_
