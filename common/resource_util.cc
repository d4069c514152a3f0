#include "common/resource_util.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <memory>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace lagom {
namespace {

// google.protobuf.Timestamp's range in seconds since the epoch.
constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z

bool IsLabelKey(absl::string_view s) {
  return !s.empty() && s.size() <= 63 && absl::ascii_islower(s[0]) &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '_';
         });
}

// What tells one caller from another: the kind of credential, its subject (an API key's name,
// a JWT's subject, "operator", "service") and, for invite tokens, the participant acted as.
// The kind keeps apart subjects of different credentials that read the same (a JWT `sub` may
// look like an API key's name). Left out is what can change between a call and its retry
// while the caller stays who they are: the role (a JWT user's role binding may change) and
// tenant_suspended. The tenant is left out too: kept replies are stored per tenant already.
auth::v1::Principal CallerOf(const auth::v1::Principal& principal) {
  auth::v1::Principal caller;
  caller.set_credential_kind(principal.credential_kind());
  caller.set_subject(principal.subject());
  caller.set_participant(principal.participant());
  return caller;
}

void AppendDeterministic(const google::protobuf::Message& message, std::string& out) {
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
}

}  // namespace

absl::Status Violations::ToStatus(absl::string_view what) && {
  // Only after a violation was added; were it called without one, the caller still fails.
  if (list_.empty()) return absl::InternalError(absl::StrCat(what, ": no violation recorded"));
  return ViolationsError(ToStd(what), std::move(list_));
}

size_t Utf8Length(absl::string_view s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

void CheckText(Violations& v, const std::string& path, absl::string_view value, size_t max,
               bool required) {
  if (required && absl::StripAsciiWhitespace(value).empty()) {
    v.Add(path, "required");
  } else if (Utf8Length(value) > max) {
    v.Add(path, absl::StrCat("at most ", max, " characters (got ", Utf8Length(value), ")"));
  } else if (std::optional<std::string> control = ControlCharacterIn(value)) {
    v.Add(path, *std::move(control));
  }
}

namespace {

bool IsRefusedControl(char c) {
  return (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
         c == '\x7f';
}

}  // namespace

std::string WithoutControlCharacters(absl::string_view value) {
  std::string out(value);
  std::replace_if(out.begin(), out.end(), IsRefusedControl, ' ');
  return out;
}

std::optional<std::string> ControlCharacterIn(absl::string_view value) {
  auto control = std::find_if(value.begin(), value.end(), IsRefusedControl);
  if (control == value.end()) return std::nullopt;
  return absl::StrCat("must not hold control characters (byte 0x",
                      absl::Hex(static_cast<unsigned char>(*control), absl::kZeroPad2),
                      " at offset ", control - value.begin(), ")");
}

bool IsIdentifier(absl::string_view s, size_t max) {
  if (s.empty() || s.size() > max || !absl::ascii_islower(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
  });
}

void CheckLabels(Violations& v, const std::string& path,
                 const google::protobuf::Map<std::string, std::string>& labels) {
  if (labels.size() > 64) v.Add(path, "at most 64 labels");
  for (const auto& [key, value] : labels) {
    if (!IsLabelKey(key)) {
      v.Add(absl::StrCat(path, ".", key),
            "key must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter");
    }
    if (Utf8Length(value) > 63) {
      v.Add(absl::StrCat(path, ".", key), "value at most 63 characters");
    } else if (std::optional<std::string> control = ControlCharacterIn(value)) {
      v.Add(absl::StrCat(path, ".", key), *std::move(control));
    }
  }
}

void CheckRequestId(Violations& v, absl::string_view request_id) {
  bool ok = request_id.size() <= 128 &&
            std::all_of(request_id.begin(), request_id.end(),
                        [](char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_'; });
  if (!ok) v.Add("request_id", "at most 128 letters, digits, '-' or '_' (a UUID is ideal)");
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t micros = absl::ToUnixMicros(t);
  // Seconds rounded down, so that nanos stay in 0..999999999 before 1970 too.
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    --seconds;
    rest += 1000000;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rest) * 1000);
  return ts;
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

bool IsValidTimestamp(const google::protobuf::Timestamp& ts) {
  return ts.seconds() >= kMinTimestampSeconds && ts.seconds() <= kMaxTimestampSeconds &&
         ts.nanos() >= 0 && ts.nanos() <= 999999999;
}

bool CheckTimestamp(Violations& v, const std::string& path, const google::protobuf::Timestamp& ts) {
  if (IsValidTimestamp(ts)) return true;
  v.Add(path, absl::StrCat("not a valid timestamp (seconds ", ts.seconds(), ", nanos ", ts.nanos(),
                           "): must be from 0001-01-01T00:00:00Z to "
                           "9999-12-31T23:59:59.999999999Z, nanos 0-999999999"));
  return false;
}

std::string EtagOf(int64_t version) { return absl::StrCat("v", version); }

absl::Status CheckEtag(absl::string_view name, absl::string_view sent, absl::string_view current) {
  if (sent.empty() || sent == current) return absl::OkStatus();
  return Error(absl::StatusCode::kAborted, "ETAG_MISMATCH",
               absl::StrCat(name, " changed since etag ", sent, " (now ", current,
                            "); read it again and retry"));
}

std::string NewId(absl::string_view prefix) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  absl::BitGen gen;
  std::string id = absl::StrCat(prefix, "-");
  for (int i = 0; i < 10; ++i) id += kAlphabet[absl::Uniform(gen, 0u, 36u)];
  return id;
}

absl::StatusOr<std::string> TenantResourceId(const RequestContext& rc, absl::string_view name,
                                             absl::string_view field, absl::string_view collection,
                                             absl::string_view noun, Violations& v) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  const size_t size = collection.empty() ? 2 : 4;
  if (parts.size() != size || parts[0] != "tenants" || parts[1].empty() ||
      (!collection.empty() && (parts[2] != collection || !IsIdentifier(parts[3], 63)))) {
    v.Add(std::string(field),
          absl::StrCat("'", name, "' is not a ", noun, " name like tenants/{tenant}",
                       collection.empty() ? "" : absl::StrCat("/", collection, "/{id}")));
    return std::string();
  }
  if (parts[1] != rc.tenant_id) return NotFound(noun, name);
  return std::string(parts.back());
}

absl::Status NotFound(absl::string_view noun, absl::string_view name) {
  return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
               absl::StrCat(noun, " ", name, " not found"));
}

std::string RequestFingerprint(const google::protobuf::Message& request) {
  std::string fingerprint;
  AppendDeterministic(request, fingerprint);
  return fingerprint;
}

RequestKey KeyOf(const RequestContext& rc, const google::protobuf::Message& request) {
  // Never empty, even for a principal with nothing set: an empty caller is a reply kept by an
  // earlier release, which answers anyone.
  return RequestKey{RequestFingerprint(request),
                    absl::StrCat("caller:", RequestFingerprint(CallerOf(rc.principal)))};
}

absl::Status ReplayReply(const IdempotentReply& prior, absl::string_view request_id,
                         absl::string_view method, const RequestKey& key,
                         google::protobuf::Message* response) {
  // Without saying who: the other caller's identity is none of this caller's business.
  if (!prior.caller.empty() && prior.caller != key.caller) {
    return Error(absl::StatusCode::kAlreadyExists, "REQUEST_ID_REUSED",
                 absl::StrCat("request_id ", request_id,
                              " was already used by another caller; a request_id belongs to the "
                              "caller who sent it first, so send this request with a new one"));
  }
  if (prior.method != method || prior.request != key.request) {
    return Error(
        absl::StatusCode::kAlreadyExists, "REQUEST_ID_REUSED",
        absl::StrCat("request_id ", request_id, " was already used for a different request"));
  }
  if (!response->ParseFromString(prior.reply)) {
    return absl::DataLossError("stored reply of an earlier request is unreadable");
  }
  return absl::OkStatus();
}

IdempotentReply KeptReply(absl::string_view method, RequestKey key,
                          const google::protobuf::Message& response,
                          const std::function<void(google::protobuf::Message&)>& redact) {
  std::string kept;
  if (redact) {
    std::unique_ptr<google::protobuf::Message> copy(response.New());
    copy->CopyFrom(response);
    redact(*copy);
    kept = copy->SerializeAsString();
  } else {
    kept = response.SerializeAsString();
  }
  return IdempotentReply{std::string(method), std::move(key.request), std::move(kept),
                         std::move(key.caller)};
}

}  // namespace lagom
