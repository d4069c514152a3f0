// The path templates of google.api.HttpRule (google/api/http.proto), compiled once and matched
// against request paths:
//
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   Verb     = ":" LITERAL ;
//
// `{name=tenants/*/sessions/*}` binds the three matched segments, joined with "/", to the
// request field `name`; `{session}` is `{session=*}`; `**` matches the rest of the path.
#ifndef LAGOM_SERVICES_GATEWAY_PATH_TEMPLATE_H_
#define LAGOM_SERVICES_GATEWAY_PATH_TEMPLATE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lagom::gateway {

// Field path → the text bound to it, in the template's order.
using PathBindings = std::vector<std::pair<std::string, std::string>>;

class PathTemplate final {
 public:
  enum class SegmentKind { kLiteral, kSingle, kRest };  // "abc", "*", "**"
  struct Segment {
    SegmentKind kind = SegmentKind::kLiteral;
    std::string literal;
  };
  struct Variable {
    std::string field_path;  // "session.name"
    int first_segment = 0;   // the segments [first_segment, end_segment) it binds
    int end_segment = 0;
  };

  // INVALID_ARGUMENT naming the template and what is wrong with it.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // The bindings when `path` (as sent, without the query string) matches, else nullopt. Every
  // segment is percent-decoded after matching, so an encoded "/" never splits a segment.
  std::optional<PathBindings> Match(absl::string_view path) const;

  const std::string& text() const { return text_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& verb() const { return verb_; }
  // Literal segments: a request that two templates match goes to the one with more.
  int literal_count() const;

 private:
  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// "%2F" → "/", "%20" → " "; a malformed escape is kept as it is. `plus_is_space` for query
// strings (application/x-www-form-urlencoded).
std::string PercentDecode(absl::string_view text, bool plus_is_space = false);

}  // namespace lagom::gateway

#endif  // LAGOM_SERVICES_GATEWAY_PATH_TEMPLATE_H_
