// Builds a request for any Lagom RPC from JSON, using the descriptors compiled into loadgen.
#ifndef LAGOM_TOOLS_LOADGEN_REQUEST_JSON_H_
#define LAGOM_TOOLS_LOADGEN_REQUEST_JSON_H_

#include <string>

#include "absl/status/statusor.h"

namespace lagom::loadgen {

// The serialized request of `method` ("/pkg.Service/Method") parsed from `json` (proto3 JSON
// mapping). `request_type` ("pkg.Request") may be empty: the method's input type is used; if
// given it must be that type. INVALID_ARGUMENT naming what is unknown or wrong.
absl::StatusOr<std::string> EncodeRequest(const std::string& method,
                                          const std::string& request_type, const std::string& json);

}  // namespace lagom::loadgen

#endif  // LAGOM_TOOLS_LOADGEN_REQUEST_JSON_H_
