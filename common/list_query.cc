#include "common/list_query.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <tuple>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace lagom {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr char kTokenVersion[] = "v1";

// The token carries the filter and order it was made for, so a token reused with a different
// query is refused rather than silently skipping or repeating results.
std::string TokenBinding(const ListRequestFields& request) {
  return absl::StrCat(request.filter, "\x1f", request.order_by);
}

absl::StatusOr<FilterTerm> ParseTerm(absl::string_view text,
                                     const std::vector<std::string>& allowed) {
  text = absl::StripAsciiWhitespace(text);
  size_t op = text.find_first_of("=:");
  if (op == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("term '", text, "' is not of the form field = \"value\""));
  }
  FilterTerm term;
  term.has = text[op] == ':';
  term.negated = text[op] == '=' && op > 0 && text[op - 1] == '!';
  std::string field(absl::StripAsciiWhitespace(text.substr(0, term.negated ? op - 1 : op)));
  absl::string_view value = absl::StripAsciiWhitespace(text.substr(op + 1));
  bool allowed_field = std::find(allowed.begin(), allowed.end(), field) != allowed.end() ||
                       (absl::StartsWith(field, "labels.") && field.size() > 7 &&
                        std::find(allowed.begin(), allowed.end(), "labels") != allowed.end());
  if (!allowed_field) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown field '", field, "' (allowed: ", absl::StrJoin(allowed, ", "), ")"));
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  } else if (value.empty() || absl::StrContains(value, ' ') || absl::StrContains(value, '"')) {
    return absl::InvalidArgumentError(
        absl::StrCat("value of '", field, "' must be a quoted string or a single word"));
  }
  term.path = absl::StrSplit(field, absl::MaxSplits('.', 1));
  term.value = std::string(value);
  return term;
}

absl::Status ParseFilter(absl::string_view filter, const std::vector<std::string>& allowed,
                         std::vector<FilterTerm>& out) {
  if (absl::StripAsciiWhitespace(filter).empty()) return absl::OkStatus();
  for (absl::string_view part : absl::StrSplit(filter, " AND ")) {
    absl::StatusOr<FilterTerm> term = ParseTerm(part, allowed);
    if (!term.ok()) return term.status();
    out.push_back(*std::move(term));
  }
  return absl::OkStatus();
}

bool EnumMatches(const google::protobuf::EnumValueDescriptor* value, absl::string_view wanted) {
  if (value->name() == wanted) return true;
  // Accept the value without the enum's prefix, e.g. LIVE for SERVICE_LIFECYCLE_STAGE_LIVE.
  return absl::EndsWith(value->name(), absl::StrCat("_", wanted));
}

bool ScalarMatches(const Message& m, const FieldDescriptor* f, absl::string_view wanted) {
  const Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(m, f) == wanted;
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumMatches(r->GetEnum(m, f), wanted);
    default:
      return false;
  }
}

bool MapValueMatches(const Message& m, const FieldDescriptor* f, absl::string_view key,
                     absl::string_view wanted) {
  const Reflection* r = m.GetReflection();
  for (int i = 0; i < r->FieldSize(m, f); ++i) {
    const Message& entry = r->GetRepeatedMessage(m, f, i);
    const auto* d = entry.GetDescriptor();
    if (entry.GetReflection()->GetString(entry, d->map_key()) == key) {
      return entry.GetReflection()->GetString(entry, d->map_value()) == wanted;
    }
  }
  return false;
}

bool TermMatches(const Message& m, const FilterTerm& term) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(term.path[0]);
  if (f == nullptr) return false;
  if (f->is_map()) return term.path.size() == 2 && MapValueMatches(m, f, term.path[1], term.value);
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()) {
    if (term.path.size() != 2) return false;
    const FilterTerm inner{.path = absl::StrSplit(term.path[1], absl::MaxSplits('.', 1)),
                           .has = term.has,
                           .value = term.value};
    return TermMatches(m.GetReflection()->GetMessage(m, f), inner);
  }
  if (f->is_repeated()) {
    const Reflection* r = m.GetReflection();
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return false;
    for (int i = 0; i < r->FieldSize(m, f); ++i) {
      if (r->GetRepeatedString(m, f, i) == term.value) return true;
    }
    return false;
  }
  return ScalarMatches(m, f, term.value);
}

// A sortable key for strings and Timestamps.
std::tuple<std::string, int64_t, int32_t> SortKey(const Message& m, const std::string& field) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(field);
  const Reflection* r = m.GetReflection();
  if (f == nullptr) return {};
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) return {r->GetString(m, f), 0, 0};
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      f->message_type()->full_name() == "google.protobuf.Timestamp") {
    google::protobuf::Timestamp ts;
    ts.CopyFrom(r->GetMessage(m, f));
    return {"", ts.seconds(), ts.nanos()};
  }
  return {};
}

std::string NameOf(const Message& m) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName("name");
  return f == nullptr ? "" : m.GetReflection()->GetString(m, f);
}

}  // namespace

absl::StatusOr<ListQuery> ParseListQuery(const ListRequestFields& request,
                                         const std::vector<std::string>& filter_fields,
                                         const std::vector<std::string>& order_fields,
                                         absl::string_view default_order) {
  ListQuery query;
  std::vector<FieldViolation> violations;
  if (request.page_size < 0) {
    violations.push_back({"page_size", "must be 0 (default 50) or positive (at most 500)"});
  }
  query.page_size =
      request.page_size == 0 ? kDefaultPageSize : std::min(request.page_size, kMaxPageSize);
  if (absl::Status s = ParseFilter(request.filter, filter_fields, query.filter); !s.ok()) {
    violations.push_back({"filter", std::string(s.message())});
  }
  std::string order = request.order_by.empty() ? std::string(default_order) : request.order_by;
  std::vector<std::string> words = absl::StrSplit(order, ' ', absl::SkipWhitespace());
  bool order_ok =
      !words.empty() && words.size() <= 2 &&
      std::find(order_fields.begin(), order_fields.end(), words[0]) != order_fields.end() &&
      (words.size() == 1 || words[1] == "desc" || words[1] == "asc");
  if (order_ok) {
    query.order_field = words[0];
    query.descending = words.size() == 2 && words[1] == "desc";
  } else {
    violations.push_back({"order_by", absl::StrCat("'", request.order_by, "' is not one of: ",
                                                   absl::StrJoin(order_fields, ", "),
                                                   " (optionally followed by \" desc\")")});
  }
  if (!request.page_token.empty()) {
    std::string decoded;
    std::vector<std::string> parts;
    if (absl::WebSafeBase64Unescape(request.page_token, &decoded)) {
      parts = absl::StrSplit(decoded, absl::MaxSplits('\x1e', 2));
    }
    if (parts.size() != 3 || parts[0] != kTokenVersion || parts[2] != TokenBinding(request) ||
        !absl::SimpleAtoi(parts[1], &query.offset) || query.offset < 0 ||
        query.offset > kMaxListOffset) {
      violations.push_back(
          {"page_token", "not a token from this list with the same filter and order_by"});
    }
  }
  if (!violations.empty()) {
    const bool only_token = violations.size() == 1 && violations[0].field == "page_token";
    return WithReason(InvalidArgumentError("invalid list request", std::move(violations)),
                      only_token ? "PAGE_TOKEN_INVALID" : "FIELD_INVALID");
  }
  return query;
}

bool Matches(const Message& message, const std::vector<FilterTerm>& filter) {
  return std::all_of(filter.begin(), filter.end(), [&](const FilterTerm& term) {
    return TermMatches(message, term) != term.negated;
  });
}

void SortForQuery(std::vector<const Message*>& messages, const ListQuery& query) {
  std::stable_sort(messages.begin(), messages.end(), [&](const Message* a, const Message* b) {
    auto ka = SortKey(*a, query.order_field);
    auto kb = SortKey(*b, query.order_field);
    if (ka != kb) return query.descending ? kb < ka : ka < kb;
    return NameOf(*a) < NameOf(*b);
  });
}

std::string NextPageToken(const ListRequestFields& request, int next_offset) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kTokenVersion, "\x1e", next_offset, "\x1e", TokenBinding(request)));
}

}  // namespace lagom
