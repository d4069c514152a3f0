#include "services/reporting/render/messages.h"

#include <cstddef>
#include <iterator>

namespace lagom::reporting {
namespace {

struct Message {
  Msg id;
  absl::string_view en;
  absl::string_view sv;
};

// One row per Msg, in enum order (checked below), so a missing translation fails the build.
constexpr Message kMessages[] = {
    {Msg::kReportTitle, "Assessment report", "Bedömningsrapport"},
    {Msg::kContents, "Contents", "Innehåll"},
    {Msg::kPreview, "Preview: the session is still open, so these figures may change.",
     "Förhandsvisning: sessionen är fortfarande öppen, så siffrorna kan ändras."},
    {Msg::kAudienceProvider,
     "Provider report: includes each customer organisation's figures and the respondents' "
     "comments. Not for sharing with customers.",
     "Leverantörsrapport: innehåller varje kundorganisations siffror och de svarandes "
     "kommentarer. Ska inte delas med kunder."},
    {Msg::kAudienceShareable,
     "Shareable report: aggregate figures without comments; figures from fewer than $0 "
     "respondents are withheld.",
     "Delbar rapport: sammanställda siffror utan kommentarer; siffror från färre än $0 svarande "
     "visas inte."},
    {Msg::kSummary, "Summary", "Sammanfattning"},
    {Msg::kModelVersion, "Model version", "Modellversion"},
    {Msg::kServices, "Services", "Tjänster"},
    {Msg::kOrganizations, "Customer organisations", "Kundorganisationer"},
    {Msg::kClosed, "Closed", "Avslutad"},
    {Msg::kNone, "none", "inga"},
    {Msg::kArea, "Area", "Område"},
    {Msg::kTarget, "Target", "Mål"},
    {Msg::kStatusBelow, "Below target", "Under målet"},
    {Msg::kStatusGoodEnough, "Good enough", "Tillräckligt bra"},
    {Msg::kStatusAbove, "Above target", "Över målet"},
    {Msg::kStatusNone, "Not scored", "Ej bedömt"},
    {Msg::kGroupProvider, "Provider", "Leverantör"},
    {Msg::kGroupAllCustomers, "All customers", "Alla kunder"},
    {Msg::kWithheld, "withheld: fewer than $0 respondents", "dolt: färre än $0 svarande"},
    {Msg::kHeatmap, "Scores by area and group", "Resultat per område och grupp"},
    {Msg::kHeatmapExplain,
     "Each cell is the area score from 0 to 100%, coloured from low (red) to high (blue).",
     "Varje cell är områdets resultat från 0 till 100 %, färgat från lågt (rött) till högt "
     "(blått)."},
    {Msg::kLowConfidenceCell, "Hatched cells marked * are low confidence: the group has $0.",
     "Streckade celler märkta * har låg tillförlitlighet: gruppen har $0."},
    {Msg::kLowConfidenceRule, "fewer than $0 respondents or a response rate below $1",
     "färre än $0 svarande eller en svarsfrekvens under $1"},
    {Msg::kLowConfidenceRespondents, "fewer than $0 respondents", "färre än $0 svarande"},
    {Msg::kNoAnswers, "no answers", "inga svar"},
    {Msg::kPerceptionGap, "Perception gap", "Uppfattningsgap"},
    {Msg::kPerceptionGapExplain,
     "Customers' score minus the provider's own score, per area. A bar left of the centre line "
     "means the provider rates itself higher than customers experience the service.",
     "Kundernas resultat minus leverantörens eget resultat, per område. En stapel till vänster "
     "om mittlinjen betyder att leverantören bedömer sig själv högre än kunderna upplever "
     "tjänsten."},
    {Msg::kRadar, "Current level against target", "Nuläge mot mål"},
    {Msg::kRadarExplain,
     "Area scores on axes from 0 (centre) to 100%; the dashed line is the target.",
     "Områdenas resultat på axlar från 0 (mitten) till 100 %; den streckade linjen är målet."},
    {Msg::kTrend, "Trend", "Utveckling"},
    {Msg::kTrendExplain,
     "The area score in each assessment, oldest first; the dashed line is the current target.",
     "Områdets resultat i varje bedömning, äldst först; den streckade linjen är nuvarande mål."},
    {Msg::kFirstAssessment, "This is the first assessment: trends appear from the next one.",
     "Det här är den första bedömningen: utvecklingen visas från och med nästa."},
    {Msg::kLatest, "Latest", "Senast"},
    {Msg::kSinceLast, "since last: $0", "sedan förra: $0"},
    {Msg::kRoadmap, "Improvement roadmap", "Förbättringsplan"},
    {Msg::kRoadmapRule,
     "Now: ranks 1–3; next: ranks 4–6; later: rank 7 and beyond. A quick win is cheap relative "
     "to its effect.",
     "Nu: plats 1–3; sedan: plats 4–6; senare: plats 7 och framåt. En snabb vinst är billig i "
     "förhållande till effekten."},
    {Msg::kNow, "Now", "Nu"},
    {Msg::kNext, "Next", "Sedan"},
    {Msg::kLater, "Later", "Senare"},
    {Msg::kQuickWin, "Quick win", "Snabb vinst"},
    {Msg::kPriority, "priority $0", "prioritet $0"},
    {Msg::kNoImprovements, "No improvements: every area is good enough.",
     "Inga förbättringar: alla områden är tillräckligt bra."},
    {Msg::kRationaleWithheld, "Figures withheld: fewer than $0 respondents.",
     "Siffror dolda: färre än $0 svarande."},
    {Msg::kCoverage, "Coverage", "Svarstäckning"},
    {Msg::kGroup, "Group", "Grupp"},
    {Msg::kRespondents, "Respondents", "Svarande"},
    {Msg::kInvited, "Invited", "Inbjudna"},
    {Msg::kResponseRate, "Response rate", "Svarsfrekvens"},
    {Msg::kConfidence, "Confidence", "Tillförlitlighet"},
    {Msg::kLowConfidence, "Low confidence", "Låg tillförlitlighet"},
    {Msg::kConfidenceSufficient, "Sufficient", "Tillräcklig"},
    {Msg::kCoverageRule,
     "A group is low confidence when it has $0; its figures are marked * in this report.",
     "En grupp har låg tillförlitlighet när den har $0; dess siffror är märkta * i rapporten."},
    {Msg::kBenchmark, "Benchmark", "Jämförelse"},
    {Msg::kBenchmarkExplain,
     "Your score (◆) among other providers' latest scores as of the start of the day, each "
     "rounded to 5 percentage points: the box spans the 25th to the 75th percentile, the tick "
     "marks the median, and from 11 providers on the line spans the 10th to the 90th.",
     "Ert resultat (◆) bland andra leverantörers senaste resultat vid dagens början, vart och "
     "ett avrundat till 5 procentenheter: lådan spänner från 25:e till 75:e percentilen, "
     "strecket visar medianen, och från 11 leverantörer spänner linjen från 10:e till 90:e."},
    {Msg::kNotEnoughTenants,
     "Not enough tenants to compare: fewer than $0 other providers contribute.",
     "För få deltagare att jämföra med: färre än $0 andra leverantörer bidrar."},
    {Msg::kNoBenchmark, "No benchmark for this area.", "Ingen jämförelse för det här området."},
    {Msg::kOwnScore, "own $0", "egen $0"},
    {Msg::kMedian, "median $0", "median $0"},
    {Msg::kComments, "Comments", "Kommentarer"},
    {Msg::kNoComments, "No comments.", "Inga kommentarer."},
    {Msg::kFooter, "Scored with method $0 · rendered by Lagom",
     "Bedömt med metod $0 · skapad av Lagom"},
};

constexpr bool InEnumOrder() {
  for (size_t i = 0; i < std::size(kMessages); ++i) {
    if (kMessages[i].id != static_cast<Msg>(i)) return false;
  }
  return true;
}
static_assert(std::size(kMessages) == static_cast<size_t>(Msg::kCount),
              "every Msg needs a row in kMessages");
static_assert(InEnumOrder(), "kMessages must list the messages in the order of enum Msg");

}  // namespace

std::optional<Language> ParseLanguage(absl::string_view tag) {
  if (tag == "en") return Language::kEnglish;
  if (tag == "sv") return Language::kSwedish;
  return std::nullopt;
}

absl::string_view LanguageTag(Language language) {
  return language == Language::kSwedish ? "sv" : "en";
}

absl::string_view Text(Language language, Msg id) {
  const Message& message = kMessages[static_cast<size_t>(id)];
  return language == Language::kSwedish ? message.sv : message.en;
}

}  // namespace lagom::reporting
