#include "services/reporting/render/report_test_support.h"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "absl/strings/str_cat.h"

namespace lagom::reporting::testing {

std::string XmlError(absl::string_view xml) {
  xmlResetLastError();
  // No network, no entity expansion from outside: the document must stand on its own.
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "report.xml", "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc != nullptr) {
    xmlFreeDoc(doc);
    return "";
  }
  const xmlError* error = xmlGetLastError();
  return error == nullptr ? "not well-formed"
                          : absl::StrCat("line ", error->line, ": ", error->message);
}

std::vector<std::string> SvgBlocks(absl::string_view html) {
  std::vector<std::string> blocks;
  size_t from = 0;
  while (true) {
    const size_t start = html.find("<svg", from);
    if (start == absl::string_view::npos) break;
    const size_t end = html.find("</svg>", start);
    if (end == absl::string_view::npos) {
      blocks.emplace_back(html.substr(start));  // unclosed: the XML check will say so
      break;
    }
    blocks.emplace_back(html.substr(start, end + 6 - start));
    from = end + 6;
  }
  return blocks;
}

std::string RenderOk(const ReportInput& input) {
  absl::StatusOr<RenderedFile> file = RenderHtmlReport(input);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? file->content : "";
}

std::string SectionOf(absl::string_view html, absl::string_view id) {
  return Between(html, absl::StrCat("<section id=\"", id, "\""), "</section>");
}

std::string Between(absl::string_view text, absl::string_view begin, absl::string_view end) {
  const size_t start = text.find(begin);
  if (start == absl::string_view::npos) return "";
  const size_t stop = text.find(end, start + begin.size());
  if (stop == absl::string_view::npos) return "";
  return std::string(text.substr(start, stop + end.size() - start));
}

int Count(absl::string_view text, absl::string_view needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != absl::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

}  // namespace lagom::reporting::testing
