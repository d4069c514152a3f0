#include "services/reporting/core/requests.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace lagom::reporting {
namespace {

constexpr size_t kMaxIdLength = 63;
constexpr size_t kSuffixLength = 6;

std::vector<absl::string_view> Segments(absl::string_view name) {
  return absl::StrSplit(name, '/');
}

// Model version ids may start with a digit and hold dots ("1", "2024.1").
bool IsVersionId(absl::string_view s) {
  return !s.empty() && s.size() <= kMaxIdLength && absl::ascii_isalnum(s[0]) &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '.';
         });
}

// FNV-1a, 64 bits: stable across processes and replicas, unlike absl::Hash. A page token's
// digest only has to tell queries apart, not resist forgery (every read is tenant-scoped).
uint64_t Fnv1a(absl::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

constexpr absl::string_view kTokenVersion = "r1";

}  // namespace

absl::Status CheckParent(const RequestContext& rc, absl::string_view parent, Violations& v,
                         const std::string& field) {
  std::vector<absl::string_view> parts = Segments(parent);
  if (parts.size() != 2 || parts[0] != "tenants" || parts[1].empty()) {
    v.Add(field, absl::StrCat("'", parent, "' is not a tenant name like tenants/{tenant}"));
    return absl::OkStatus();
  }
  if (parts[1] != rc.tenant_id) return NotFound("tenant", parent);
  return absl::OkStatus();
}

absl::Status ScorecardNotFound(absl::string_view name) { return NotFound("scorecard", name); }

absl::StatusOr<std::string> ScorecardIdOf(const RequestContext& rc, absl::string_view name,
                                          absl::string_view field) {
  std::vector<absl::string_view> parts = Segments(name);
  if (parts.size() != 4 || parts[0] != "tenants" || parts[1].empty() || parts[2] != "scorecards" ||
      !IsIdentifier(parts[3], kMaxIdLength)) {
    return InvalidArgumentError(
        absl::StrCat("invalid ", field, ": '", name, "'"),
        {{std::string(field),
          absl::StrCat("'", name,
                       "' is not a scorecard name like tenants/{tenant}/scorecards/{scorecard}")}});
  }
  if (parts[1] != rc.tenant_id) return ScorecardNotFound(name);
  return std::string(parts[3]);
}

std::string ScorecardName(absl::string_view tenant_id, absl::string_view scorecard_id) {
  return absl::StrCat("tenants/", tenant_id, "/scorecards/", scorecard_id);
}

std::string NewScorecardId(absl::string_view session_id) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id(session_id.substr(0, kMaxIdLength - kSuffixLength - 1));
  while (!id.empty() && id.back() == '-') id.pop_back();
  id += '-';
  absl::BitGen gen;
  for (size_t i = 0; i < kSuffixLength; ++i) id += kAlphabet[absl::Uniform(gen, 0u, 36u)];
  return id;
}

std::optional<std::string> TenantChildId(const RequestContext& rc, absl::string_view name,
                                         absl::string_view collection) {
  std::vector<absl::string_view> parts = Segments(name);
  if (parts.size() != 4 || parts[0] != "tenants" || parts[1] != rc.tenant_id ||
      parts[2] != collection || !IsIdentifier(parts[3], kMaxIdLength)) {
    return std::nullopt;
  }
  return std::string(parts[3]);
}

std::optional<std::string> ModelOfVersion(const RequestContext& rc, absl::string_view version) {
  std::vector<absl::string_view> parts = Segments(version);
  if (parts.size() < 4 || parts[parts.size() - 2] != "versions" || !IsVersionId(parts.back())) {
    return std::nullopt;
  }
  const std::string model = absl::StrJoin(parts.begin(), parts.end() - 2, "/");
  if (!IsModelName(rc, model)) return std::nullopt;
  return model;
}

bool IsModelName(const RequestContext& rc, absl::string_view name) {
  std::vector<absl::string_view> parts = Segments(name);
  if (parts.size() == 2) return parts[0] == "models" && IsIdentifier(parts[1], kMaxIdLength);
  return parts.size() == 4 && parts[0] == "tenants" && parts[1] == rc.tenant_id &&
         parts[2] == "models" && IsIdentifier(parts[3], kMaxIdLength);
}

void CheckGroup(const RequestContext& rc, const tapi::ResponseGroup& group, const std::string& path,
                Violations& v) {
  switch (group.kind()) {
    case tapi::RESPONSE_GROUP_KIND_PROVIDER:
    case tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS:
      if (!group.customer_organization().empty()) {
        v.Add(path + ".customer_organization",
              "set only when kind is RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION");
      }
      return;
    case tapi::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION:
      if (!TenantChildId(rc, group.customer_organization(), "customerOrganizations")) {
        v.Add(path + ".customer_organization",
              absl::StrCat("'", group.customer_organization(),
                           "' is not a customer organisation name like tenants/", rc.tenant_id,
                           "/customerOrganizations/{id}"));
      }
      return;
    default:
      v.Add(path + ".kind", "required: PROVIDER, ALL_CUSTOMERS or CUSTOMER_ORGANIZATION");
  }
}

namespace {

// `name`, if set, must be `tenants/{caller}/<collection>/{id}`.
std::optional<std::string> OptionalChild(const RequestContext& rc, const std::string& name,
                                         absl::string_view collection, const std::string& path,
                                         Violations& v) {
  if (name.empty()) return std::nullopt;
  if (!TenantChildId(rc, name, collection)) {
    v.Add(path, absl::StrCat("'", name, "' is not a name like tenants/", rc.tenant_id, "/",
                             collection, "/{id}"));
  }
  return name;
}

std::optional<absl::Time> OptionalTime(const google::protobuf::Timestamp& ts, bool set,
                                       const std::string& path, Violations& v) {
  if (!set || !CheckTimestamp(v, path, ts)) return std::nullopt;
  return FromProto(ts);
}

}  // namespace

ScorecardFilter FilterOf(const RequestContext& rc, const api::ScorecardSelector& s,
                         const std::string& path, Violations& v) {
  ScorecardFilter f;
  f.customer_organization = OptionalChild(rc, s.customer_organization(), "customerOrganizations",
                                          path + ".customer_organization", v);
  f.service = OptionalChild(rc, s.service(), "services", path + ".service", v);
  f.session = OptionalChild(rc, s.session(), "sessions", path + ".session", v);
  if (!s.model().empty()) {
    if (!IsModelName(rc, s.model())) {
      v.Add(path + ".model", absl::StrCat("'", s.model(), "' is not a model name like models/",
                                          "{model} or tenants/", rc.tenant_id, "/models/{model}"));
    }
    f.model = s.model();
  }
  f.start_time = OptionalTime(s.start_time(), s.has_start_time(), path + ".start_time", v);
  f.end_time = OptionalTime(s.end_time(), s.has_end_time(), path + ".end_time", v);
  if (f.start_time && f.end_time && *f.end_time <= *f.start_time) {
    v.Add(path + ".end_time", "must be after start_time");
  }
  return f;
}

std::string ListQueryKey(const api::ListScorecardsRequest& req) {
  api::ListScorecardsRequest query = req;
  query.clear_page_size();  // may change from page to page (AIP-158)
  query.clear_page_token();
  return absl::StrFormat("%016x", Fnv1a(RequestFingerprint(query)));
}

std::string PageToken(const HistoryCursor& after, absl::string_view query_key) {
  return absl::WebSafeBase64Escape(absl::StrCat(
      kTokenVersion, "|", query_key, "|", absl::ToUnixMicros(after.first), "|", after.second));
}

std::optional<HistoryCursor> ParsePageToken(absl::string_view token, absl::string_view query_key) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits('|', 3));
  int64_t micros = 0;
  if (parts.size() != 4 || parts[0] != kTokenVersion || parts[1] != query_key ||
      !absl::SimpleAtoi(parts[2], &micros) || !IsIdentifier(parts[3], kMaxIdLength)) {
    return std::nullopt;
  }
  return HistoryCursor{absl::FromUnixMicros(micros), parts[3]};
}

absl::Status BadPageToken() {
  return WithReason(
      InvalidArgumentError("invalid page_token",
                           {{"page_token",
                             "not a token from an earlier ListScorecards with the same parent, "
                             "selector and summary_only"}}),
      "PAGE_TOKEN_INVALID");
}

}  // namespace lagom::reporting
