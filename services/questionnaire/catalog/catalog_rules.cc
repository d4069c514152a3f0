#include "services/questionnaire/catalog/catalog_rules.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lagom::questionnaire {
namespace {

namespace catalog = ::lagom::catalog::v1;

bool LooksLikeEmail(absl::string_view s) {
  std::vector<absl::string_view> parts = absl::StrSplit(s, '@');
  return parts.size() == 2 && !parts[0].empty() && absl::StrContains(parts[1], '.') &&
         !absl::StrContains(s, ' ') && s.size() <= 254;
}

void CheckEmail(Violations& v, const std::string& path, absl::string_view value) {
  if (!value.empty() && !LooksLikeEmail(value)) {
    v.Add(path, absl::StrCat("'", value, "' is not an email address like name@example.org"));
  }
}

}  // namespace

void ValidateCustomerOrganization(const catalog::CustomerOrganization& r, const std::string& p,
                                  Violations& v) {
  CheckText(v, p + ".display_name", r.display_name(), 200, true);
  CheckText(v, p + ".description", r.description(), 2000, false);
  CheckText(v, p + ".external_id", r.external_id(), 200, false);
  CheckText(v, p + ".contact_name", r.contact_name(), 200, false);
  CheckEmail(v, p + ".contact_email", r.contact_email());
  CheckText(v, p + ".industry", r.industry(), 200, false);
  const std::string& cc = r.country_code();
  if (!cc.empty() &&
      !(cc.size() == 2 && absl::ascii_isupper(cc[0]) && absl::ascii_isupper(cc[1]))) {
    v.Add(p + ".country_code",
          absl::StrCat("'", cc, "' is not an ISO 3166-1 alpha-2 code like SE"));
  }
  const std::string& lang = r.language_tag();
  if (!lang.empty() && !(lang.size() <= 35 && absl::ascii_isalpha(lang[0]) &&
                         std::all_of(lang.begin(), lang.end(),
                                     [](char c) { return absl::ascii_isalnum(c) || c == '-'; }))) {
    v.Add(p + ".language_tag", absl::StrCat("'", lang, "' is not a BCP 47 tag like sv or en-GB"));
  }
  CheckLabels(v, p + ".labels", r.labels());
}

void ValidateItService(const catalog::ItService& r, const std::string& p, Violations& v) {
  CheckText(v, p + ".display_name", r.display_name(), 200, true);
  CheckText(v, p + ".description", r.description(), 2000, false);
  CheckText(v, p + ".external_id", r.external_id(), 200, false);
  CheckText(v, p + ".owner", r.owner(), 200, false);
  CheckEmail(v, p + ".owner_email", r.owner_email());
  CheckText(v, p + ".category", r.category(), 200, false);
  if (!catalog::ServiceLifecycleStage_IsValid(r.lifecycle_stage())) {
    v.Add(p + ".lifecycle_stage",
          absl::StrCat("unknown value ", r.lifecycle_stage(),
                       " (allowed: SERVICE_LIFECYCLE_STAGE_PIPELINE, "
                       "SERVICE_LIFECYCLE_STAGE_LIVE, SERVICE_LIFECYCLE_STAGE_RETIRED)"));
  }
  const catalog::ServiceLevelSummary& sl = r.service_level();
  CheckText(v, p + ".service_level.summary", sl.summary(), 500, false);
  CheckText(v, p + ".service_level.support_hours", sl.support_hours(), 200, false);
  CheckText(v, p + ".service_level.agreement_reference", sl.agreement_reference(), 500, false);
  if (sl.has_availability_target_percent() &&
      !(sl.availability_target_percent() > 0 && sl.availability_target_percent() <= 100)) {
    v.Add(p + ".service_level.availability_target_percent", "must be above 0 and at most 100");
  }
  if (r.customer_organizations_size() > 1000) {
    v.Add(p + ".customer_organizations", "at most 1000 organisations");
  }
  CheckLabels(v, p + ".labels", r.labels());
}

}  // namespace lagom::questionnaire
