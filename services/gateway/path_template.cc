#include "services/gateway/path_template.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace lagom::gateway {
namespace {

bool IsFieldPath(absl::string_view path) {
  if (path.empty()) return false;
  for (absl::string_view ident : absl::StrSplit(path, '.')) {
    if (ident.empty() || !(absl::ascii_isalpha(ident[0]) || ident[0] == '_')) return false;
    for (char c : ident) {
      if (!absl::ascii_isalnum(c) && c != '_') return false;
    }
  }
  return true;
}

// Reads a template's segments and variables; `text` is the template without its leading "/"
// and its verb.
class TemplateParser {
 public:
  TemplateParser(absl::string_view whole, absl::string_view text) : whole_(whole), text_(text) {}

  absl::Status Run(std::vector<PathTemplate::Segment>& segments,
                   std::vector<PathTemplate::Variable>& variables) {
    while (true) {
      if (Peek() == '{') {
        if (absl::Status s = ParseVariable(segments, variables); !s.ok()) return s;
      } else if (absl::Status s = ParseSegment(segments, /*in_variable=*/false); !s.ok()) {
        return s;
      }
      if (pos_ == text_.size()) break;
      if (text_[pos_] != '/')
        return Error(absl::StrCat("unexpected '", text_.substr(pos_, 1), "'"));
      ++pos_;
    }
    for (size_t i = 0; i + 1 < segments.size(); ++i) {
      if (segments[i].kind == PathTemplate::SegmentKind::kRest) {
        return Error("'**' must be the last segment");
      }
    }
    return absl::OkStatus();
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("path template \"", whole_, "\": ", what));
  }

  absl::Status ParseSegment(std::vector<PathTemplate::Segment>& segments, bool in_variable) {
    const size_t end = text_.find_first_of(in_variable ? "/}" : "/", pos_);
    absl::string_view segment =
        text_.substr(pos_, end == absl::string_view::npos ? text_.npos : end - pos_);
    pos_ += segment.size();
    if (segment.empty()) return Error("empty segment");
    if (segment.find_first_of("{}=") != absl::string_view::npos) {
      return Error(absl::StrCat("malformed segment \"", segment, "\""));
    }
    if (segment == "*") {
      segments.push_back({PathTemplate::SegmentKind::kSingle, ""});
    } else if (segment == "**") {
      segments.push_back({PathTemplate::SegmentKind::kRest, ""});
    } else if (segment.find('*') != absl::string_view::npos) {
      return Error(absl::StrCat("'*' must be a whole segment, not \"", segment, "\""));
    } else {
      segments.push_back({PathTemplate::SegmentKind::kLiteral, std::string(segment)});
    }
    return absl::OkStatus();
  }

  absl::Status ParseVariable(std::vector<PathTemplate::Segment>& segments,
                             std::vector<PathTemplate::Variable>& variables) {
    ++pos_;  // '{'
    const size_t end = text_.find_first_of("=}", pos_);
    if (end == absl::string_view::npos) return Error("unterminated '{'");
    PathTemplate::Variable variable;
    variable.field_path = std::string(text_.substr(pos_, end - pos_));
    if (!IsFieldPath(variable.field_path)) {
      return Error(absl::StrCat("\"", variable.field_path, "\" is not a field path"));
    }
    for (const PathTemplate::Variable& other : variables) {
      if (other.field_path == variable.field_path) {
        return Error(absl::StrCat("field \"", variable.field_path, "\" is bound twice"));
      }
    }
    pos_ = end;
    variable.first_segment = static_cast<int>(segments.size());
    if (text_[pos_] == '}') {
      segments.push_back({PathTemplate::SegmentKind::kSingle, ""});
    } else {
      ++pos_;  // '='
      while (true) {
        if (absl::Status s = ParseSegment(segments, /*in_variable=*/true); !s.ok()) return s;
        if (Peek() != '/') break;
        ++pos_;
      }
      if (Peek() != '}') return Error("unterminated '{'");
    }
    ++pos_;  // '}'
    variable.end_segment = static_cast<int>(segments.size());
    variables.push_back(std::move(variable));
    return absl::OkStatus();
  }

  const absl::string_view whole_;
  const absl::string_view text_;
  size_t pos_ = 0;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int high = HexValue(text[i + 1]), low = HexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate parsed;
  parsed.text_ = std::string(text);
  if (text.size() < 2 || text[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("path template \"", text, "\": must start with '/' and name a path"));
  }
  // The verb follows the last ':' outside braces; it may not contain '/'.
  absl::string_view body = text.substr(1);
  int depth = 0;
  size_t colon = absl::string_view::npos;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '{') ++depth;
    if (body[i] == '}') --depth;
    if (body[i] == ':' && depth == 0) colon = i;
  }
  if (colon != absl::string_view::npos) {
    parsed.verb_ = std::string(body.substr(colon + 1));
    body = body.substr(0, colon);
    if (parsed.verb_.empty() || parsed.verb_.find_first_of("/{}*") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("path template \"", text, "\": malformed verb \"", parsed.verb_, "\""));
    }
  }
  TemplateParser parser(text, body);
  if (absl::Status s = parser.Run(parsed.segments_, parsed.variables_); !s.ok()) return s;
  return parsed;
}

int PathTemplate::literal_count() const {
  int count = verb_.empty() ? 0 : 1;
  for (const Segment& segment : segments_) count += segment.kind == SegmentKind::kLiteral;
  return count;
}

std::optional<PathBindings> PathTemplate::Match(absl::string_view path) const {
  if (path.empty() || path[0] != '/') return std::nullopt;
  path.remove_prefix(1);
  if (!verb_.empty()) {
    const std::string suffix = absl::StrCat(":", verb_);
    if (path.size() <= suffix.size() || path.substr(path.size() - suffix.size()) != suffix) {
      return std::nullopt;
    }
    path.remove_suffix(suffix.size());
  }
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  // "s-1:close" is a verb on a resource, never a resource id of a template without a verb.
  if (verb_.empty() && absl::StrContains(parts.back(), ':')) return std::nullopt;
  // Where each template segment's match starts in `parts`; one past the end for the last.
  std::vector<size_t> starts;
  starts.reserve(segments_.size() + 1);
  size_t j = 0;
  for (const Segment& segment : segments_) {
    starts.push_back(j);
    if (segment.kind == SegmentKind::kRest) {
      j = parts.size();
      continue;
    }
    if (j >= parts.size() || parts[j].empty()) return std::nullopt;
    if (segment.kind == SegmentKind::kLiteral && PercentDecode(parts[j]) != segment.literal) {
      return std::nullopt;
    }
    ++j;
  }
  if (j != parts.size()) return std::nullopt;
  starts.push_back(j);
  PathBindings bindings;
  bindings.reserve(variables_.size());
  for (const Variable& variable : variables_) {
    std::vector<std::string> values;
    for (size_t k = starts[variable.first_segment]; k < starts[variable.end_segment]; ++k) {
      values.push_back(PercentDecode(parts[k]));
    }
    bindings.emplace_back(variable.field_path, absl::StrJoin(values, "/"));
  }
  return bindings;
}

}  // namespace lagom::gateway
