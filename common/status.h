// Errors: absl::Status inside every service, converted to grpc::Status exactly once, here.
// A status carries a machine-readable UPPER_SNAKE reason (google.rpc.ErrorInfo) and, for bad
// input, the path of every offending field (google.rpc.BadRequest), as AIP-193 asks.
#ifndef LAGOM_COMMON_STATUS_H_
#define LAGOM_COMMON_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lagom {

// Domain of every ErrorInfo Lagom sends.
inline constexpr char kErrorDomain[] = "lagom.dev";

struct FieldViolation {
  std::string field;  // path, e.g. "session.targets[2].level"
  std::string description;

  friend bool operator==(const FieldViolation&, const FieldViolation&) = default;
};

// What the last violation listed says of those left out, unless a caller says otherwise.
inline constexpr std::string_view kUnlistedAdvice = "fix these and send it again";

// INVALID_ARGUMENT with reason FIELD_INVALID and one BadRequest violation per entry, as many
// as fit in 4,500 bytes: details travel base64-encoded in trailing metadata, which gRPC
// clients cap at 8 KiB by default, and a longer list would reach the caller as a transport
// error instead. Past the budget one last entry (no field) says how many more there are and
// `unlisted`, what to do; `not_collected` adds the problems a caller found but did not keep
// (it stopped collecting).
absl::Status InvalidArgumentError(std::string_view message, std::vector<FieldViolation> violations,
                                  std::string_view unlisted = kUnlistedAdvice,
                                  size_t not_collected = 0);

// InvalidArgumentError with the message "<what>: <first field>: <problem> (and N more)", N
// counting `not_collected` too. `violations` must not be empty.
absl::Status ViolationsError(std::string_view what, std::vector<FieldViolation> violations,
                             std::string_view unlisted = kUnlistedAdvice, size_t not_collected = 0);

// Returns `status` with `reason` attached (replacing any earlier reason). OK stays OK.
absl::Status WithReason(absl::Status status, std::string_view reason);

// absl::Status(code, message) with `reason` attached.
absl::Status Error(absl::StatusCode code, std::string_view reason, std::string_view message);

// A commit whose outcome is unknown (the connection was lost while committing): UNAVAILABLE,
// reason COMMIT_IN_DOUBT. What the transaction wrote may be stored, so its work must not be
// run again as if it had not been (a retry by request_id is safe).
absl::Status CommitInDoubt(std::string_view message);
bool IsCommitInDoubt(const absl::Status& status);

// Another service's failure as this service's caller should see it: what is about the
// caller's request (not found, not allowed, wrong state, out of time, over quota,
// unauthenticated) passes through with its details. `service` refusing what this service
// asked (INVALID_ARGUMENT, OUT_OF_RANGE, ALREADY_EXISTS), failing for good (DATA_LOSS), or
// passing on such a failure of its own dependencies (INTERNAL with DEPENDENCY_FAILED) is
// INTERNAL (DEPENDENCY_FAILED): a retry will not help. Anything else, including any other
// INTERNAL (gRPC's for a reset stream, a passing database condition) and UNIMPLEMENTED (an
// older replica mid-upgrade), means `service` could not help for now: UNAVAILABLE
// (DEPENDENCY_UNAVAILABLE). Both name `what`.
absl::Status DownstreamError(absl::string_view service, absl::string_view what,
                             const grpc::Status& status);

// The reason attached to `status`, or the default reason for its code.
std::string ReasonOf(const absl::Status& status);
std::vector<FieldViolation> ViolationsOf(const absl::Status& status);

// The one conversion to the wire: same code and message, error_details = google.rpc.Status
// with ErrorInfo{reason, domain} and, when there are violations, BadRequest.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse, for clients and tests: reason and violations come back as payloads.
absl::Status FromGrpcStatus(const grpc::Status& status);

// The ErrorInfo reason the server sent, "" when it sent none.
std::string ReasonOf(const grpc::Status& status);
std::vector<FieldViolation> ViolationsOf(const grpc::Status& status);

}  // namespace lagom

#endif  // LAGOM_COMMON_STATUS_H_
