#include "services/reporting/render/style.h"

namespace lagom::reporting {

// No '<' or '&' in here: the page is also well-formed XML.
absl::string_view ReportStyle() {
  return R"css(
:root { --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --paper: #ffffff; --panel: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--panel); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px; }
header h1 { margin: 0 0 8px; font-size: 28px; line-height: 1.2; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .06em;
  font-size: 12px; }
.audience, .preview { margin: 4px 0; padding: 6px 10px; border-left: 4px solid var(--muted);
  background: var(--paper); }
.preview { border-left-color: #b2182b; }
nav ul { list-style: none; padding: 0; margin: 16px 0; display: flex; flex-wrap: wrap; gap: 6px 16px; }
nav a { color: #2166ac; }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
  padding: 16px 20px; margin: 16px 0; overflow-x: auto; }
h2 { margin: 0 0 12px; font-size: 20px; }
h3 { margin: 12px 0 4px; font-size: 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: middle; }
thead th { font-size: 13px; color: var(--muted); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 16px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px;
  font-weight: 600; color: #ffffff; white-space: nowrap; }
.badge.below { background: #b2182b; }
.badge.good-enough { background: #1a7f37; }
.badge.above { background: #2166ac; }
.badge.none { background: #7b8794; }
.badge.quick-win { background: #8a5a00; }
.score { font-variant-numeric: tabular-nums; }
.withheld, .note, .suppressed { color: var(--muted); }
.note { font-size: 13px; margin: 6px 0; }
.low { color: #8a5a00; font-weight: 600; }
.key { display: inline-block; padding-left: 6px; border-left: 4px solid var(--muted); }
.key.provider { border-left-color: #762a83; }
.key.customers { border-left-color: #1b7837; }
svg { max-width: 100%; height: auto; display: block; }
svg text { font-family: inherit; font-size: 12px; fill: var(--ink); }
.phases { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 16px; }
.phase ol { padding-left: 22px; margin: 0; }
.phase li { margin-bottom: 10px; }
.rationale { margin: 2px 0 0; }
.area { color: var(--muted); }
.comments { padding-left: 18px; }
.comments .group { font-weight: 600; }
.comment-text { white-space: pre-line; }
footer { color: var(--muted); font-size: 12px; margin: 24px 0; }
@media print {
  @page { margin: 15mm; }
  body { background: none; font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  .audience, .preview { background: none; }
  section { border: none; border-radius: 0; padding: 0; margin: 0; overflow: visible;
    break-before: page; page-break-before: always; }
  section:first-of-type { break-before: auto; page-break-before: auto; }
  svg, tr, li, article { break-inside: avoid; page-break-inside: avoid; }
  /* The badges keep their symbol and words; their coloured fills would only cost ink. */
  .badge { background: none !important; color: var(--ink); border: 1px solid var(--ink); }
  a { color: inherit; text-decoration: none; }
}
)css";
}

}  // namespace lagom::reporting
