// List requests over a small in-memory set of resources (AIP-132, AIP-158, AIP-160): a filter
// of `field = "value"` / `field:"value"` terms joined by AND, an order_by of one field with
// optional "desc", and opaque page tokens bound to the filter and order they were issued for.
#ifndef LAGOM_COMMON_LIST_QUERY_H_
#define LAGOM_COMMON_LIST_QUERY_H_

#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lagom {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;
// Page tokens carry an offset; anything larger than any list can be is refused (and keeps
// offset + page_size far from overflowing).
inline constexpr int kMaxListOffset = 100000000;

struct FilterTerm {
  std::vector<std::string> path;  // e.g. {"labels", "segment"}
  bool has = false;               // ":" (contains) rather than "="
  bool negated = false;           // "!=": the field is not (or, for a map, has not) the value
  std::string value;
};

struct ListQuery {
  std::vector<FilterTerm> filter;
  std::string order_field;
  bool descending = false;
  int offset = 0;
  int page_size = kDefaultPageSize;
};

struct ListRequestFields {
  int page_size = 0;
  std::string page_token;
  std::string filter;
  std::string order_by;
};

// Checks every part against the allowed fields and reports all problems at once as
// INVALID_ARGUMENT with field violations on page_size, page_token, filter and order_by.
absl::StatusOr<ListQuery> ParseListQuery(const ListRequestFields& request,
                                         const std::vector<std::string>& filter_fields,
                                         const std::vector<std::string>& order_fields,
                                         absl::string_view default_order);

// True when `message` satisfies every term. Fields are read by reflection: strings, enums (by
// value name, with or without the enum's prefix), maps of strings (`labels.key`), repeated
// strings (`field:"value"`) and those inside a message field (`scope.services:"value"`).
bool Matches(const google::protobuf::Message& message, const std::vector<FilterTerm>& filter);

// Orders messages by query.order_field (strings or Timestamps), ties broken by `name`.
void SortForQuery(std::vector<const google::protobuf::Message*>& messages, const ListQuery& query);

// Token for the page after `next_offset`, bound to the request's filter and order.
std::string NextPageToken(const ListRequestFields& request, int next_offset);

// Sorts `all` by the query and copies the requested page into `page`.
template <typename Resource, typename Response>
void Paginate(std::vector<Resource>& all, const ListQuery& query, const ListRequestFields& fields,
              Response* resp, google::protobuf::RepeatedPtrField<Resource>* page) {
  std::vector<const google::protobuf::Message*> ordered;
  for (const Resource& r : all) ordered.push_back(&r);
  SortForQuery(ordered, query);
  const int total = static_cast<int>(ordered.size());
  const int end = std::min(total, query.offset + query.page_size);
  for (int i = query.offset; i < end; ++i) {
    page->Add()->CopyFrom(*ordered[i]);
  }
  if (end < total) resp->set_next_page_token(NextPageToken(fields, end));
}

}  // namespace lagom

#endif  // LAGOM_COMMON_LIST_QUERY_H_
