// Every label of the report in English and Swedish. Texts with $0, $1 take arguments through
// absl::Substitute.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_MESSAGES_H_
#define LAGOM_SERVICES_REPORTING_RENDER_MESSAGES_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace lagom::reporting {

enum class Language { kEnglish, kSwedish };

// nullopt for anything but "en" and "sv".
std::optional<Language> ParseLanguage(absl::string_view tag);
absl::string_view LanguageTag(Language language);

enum class Msg {
  kReportTitle,
  kContents,
  kPreview,
  kAudienceProvider,
  kAudienceShareable,
  kSummary,
  kModelVersion,
  kServices,
  kOrganizations,
  kClosed,
  kNone,
  kArea,
  kTarget,
  kStatusBelow,
  kStatusGoodEnough,
  kStatusAbove,
  kStatusNone,
  kGroupProvider,
  kGroupAllCustomers,
  kWithheld,
  kHeatmap,
  kHeatmapExplain,
  kLowConfidenceCell,
  kLowConfidenceRule,
  kLowConfidenceRespondents,
  kNoAnswers,
  kPerceptionGap,
  kPerceptionGapExplain,
  kRadar,
  kRadarExplain,
  kTrend,
  kTrendExplain,
  kFirstAssessment,
  kLatest,
  kSinceLast,
  kRoadmap,
  kRoadmapRule,
  kNow,
  kNext,
  kLater,
  kQuickWin,
  kPriority,
  kNoImprovements,
  kRationaleWithheld,
  kCoverage,
  kGroup,
  kRespondents,
  kInvited,
  kResponseRate,
  kConfidence,
  kLowConfidence,
  kConfidenceSufficient,
  kCoverageRule,
  kBenchmark,
  kBenchmarkExplain,
  kNotEnoughTenants,
  kNoBenchmark,
  kOwnScore,
  kMedian,
  kComments,
  kNoComments,
  kFooter,
  kCount,  // not a message: the number of them
};

absl::string_view Text(Language language, Msg id);

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_RENDER_MESSAGES_H_
