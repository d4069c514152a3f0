#include "services/reporting/render/text.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lagom::reporting {
namespace {

constexpr absl::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD
constexpr absl::string_view kEllipsis = "\xE2\x80\xA6";              // U+2026

struct CodePoint {
  char32_t value = 0;
  size_t length = 0;  // bytes; 0 when the bytes are not valid UTF-8
};

// The code point at the start of `s`. Overlong forms, surrogates, values past U+10FFFF and
// truncated sequences are invalid: a browser and an XML parser would each read them their own way.
CodePoint DecodeUtf8(absl::string_view s) {
  const auto byte = [&s](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1};
  CodePoint c;
  char32_t smallest = 0;
  if ((lead & 0xE0) == 0xC0) {
    c = {static_cast<char32_t>(lead & 0x1F), 2};
    smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    c = {static_cast<char32_t>(lead & 0x0F), 3};
    smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    c = {static_cast<char32_t>(lead & 0x07), 4};
    smallest = 0x10000;
  } else {
    return {};
  }
  if (s.size() < c.length) return {};
  for (size_t i = 1; i < c.length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return {};
    c.value = (c.value << 6) | (byte(i) & 0x3F);
  }
  if (c.value < smallest || c.value > 0x10FFFF || (c.value >= 0xD800 && c.value <= 0xDFFF)) {
    return {};
  }
  return c;
}

// XML 1.0's Char production.
bool AllowedInXml(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000;
}

absl::string_view ReferenceFor(char32_t c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return "&#39;";
    default:
      return {};
  }
}

}  // namespace

void AppendEscaped(std::string& out, absl::string_view text) {
  while (!text.empty()) {
    const CodePoint c = DecodeUtf8(text);
    if (c.length == 0 || !AllowedInXml(c.value)) {
      out.append(kReplacementCharacter.data(), kReplacementCharacter.size());
      text.remove_prefix(c.length == 0 ? 1 : c.length);
      continue;
    }
    const absl::string_view reference = ReferenceFor(c.value);
    if (reference.empty()) {
      out.append(text.data(), c.length);
    } else {
      out.append(reference.data(), reference.size());
    }
    text.remove_prefix(c.length);
  }
}

std::string Escape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(out, text);
  return out;
}

std::string Shorten(absl::string_view text, size_t max_chars) {
  if (max_chars == 0) return "";
  size_t offset = 0;
  size_t kept = 0;  // bytes of the first max_chars - 1 characters: room for the ellipsis
  for (size_t chars = 0; offset < text.size(); ++chars) {
    if (chars == max_chars - 1) kept = offset;
    if (chars == max_chars) return absl::StrCat(text.substr(0, kept), kEllipsis);
    const size_t length = DecodeUtf8(text.substr(offset)).length;
    offset += length == 0 ? 1 : length;
  }
  return std::string(text);
}

std::string Localize(const type::LocalizedText& text, absl::string_view language,
                     absl::string_view default_language, absl::string_view fallback) {
  const auto& translations = text.translations();
  for (const absl::string_view tag : {language, default_language, absl::string_view("en")}) {
    const auto it = translations.find(std::string(tag));
    if (it != translations.end() && !it->second.empty()) return it->second;
  }
  // Map order is unspecified; the alphabetically first tag keeps the report deterministic.
  const std::string* first_tag = nullptr;
  for (const auto& [tag, translation] : translations) {
    if (!translation.empty() && (first_tag == nullptr || tag < *first_tag)) first_tag = &tag;
  }
  return first_tag ? translations.at(*first_tag) : std::string(fallback);
}

absl::string_view LastSegment(absl::string_view resource_name) {
  const size_t slash = resource_name.rfind('/');
  return slash == absl::string_view::npos ? resource_name : resource_name.substr(slash + 1);
}

std::string FileStem(absl::string_view resource_name) {
  std::string stem(LastSegment(resource_name));
  if (stem.empty()) return "scorecard";
  for (char& c : stem) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      c = '-';
    }
  }
  if (stem.front() == '.') stem.front() = '-';
  return stem;
}

}  // namespace lagom::reporting
