// What every reporting RPC checks of its request: resource names (another tenant's name is
// NOT_FOUND, a malformed one INVALID_ARGUMENT naming the field), selectors, response groups,
// and the opaque page tokens of ListScorecards.
#ifndef LAGOM_SERVICES_REPORTING_CORE_REQUESTS_H_
#define LAGOM_SERVICES_REPORTING_CORE_REQUESTS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/request_context.h"
#include "common/resource_util.h"
#include "lagom/reporting/v1/reporting.pb.h"
#include "services/reporting/core/scorecard_store.h"

namespace lagom::reporting {

namespace api = ::lagom::reporting::v1;

// `parent` must be `tenants/{caller's tenant}`: another tenant is NOT_FOUND, anything else a
// violation of `field`.
absl::Status CheckParent(const RequestContext& rc, absl::string_view parent, Violations& v,
                         const std::string& field = "parent");

// The id of scorecard `name` (`tenants/{t}/scorecards/{id}`) in the caller's tenant.
absl::StatusOr<std::string> ScorecardIdOf(const RequestContext& rc, absl::string_view name,
                                          absl::string_view field);
std::string ScorecardName(absl::string_view tenant_id, absl::string_view scorecard_id);
absl::Status ScorecardNotFound(absl::string_view name);
// See ReportingCore::RecordScorecard.
std::string NewScorecardId(absl::string_view session_id);

// The id of `tenants/{caller's tenant}/<collection>/{id}`; nullopt for anything else.
std::optional<std::string> TenantChildId(const RequestContext& rc, absl::string_view name,
                                         absl::string_view collection);
// The model of a model version the caller may use (`models/{m}/versions/{v}` →
// `models/{m}`, `tenants/{caller}/models/{m}/versions/{v}` → `tenants/{caller}/models/{m}`).
std::optional<std::string> ModelOfVersion(const RequestContext& rc, absl::string_view version);
// `models/{m}` or `tenants/{caller's tenant}/models/{m}`.
bool IsModelName(const RequestContext& rc, absl::string_view name);

// A group of figures: kind set; an organisation of the caller's tenant exactly when the kind
// is CUSTOMER_ORGANIZATION.
void CheckGroup(const RequestContext& rc, const tapi::ResponseGroup& group, const std::string& path,
                Violations& v);

// The store filter of `selector`, each bad field a violation under `path`.
ScorecardFilter FilterOf(const RequestContext& rc, const api::ScorecardSelector& selector,
                         const std::string& path, Violations& v);

// Page tokens carry where the last page ended and a digest of the query they were issued for;
// a token from another query, or not from us at all, does not parse.
std::string ListQueryKey(const api::ListScorecardsRequest& req);
std::string PageToken(const HistoryCursor& after, absl::string_view query_key);
std::optional<HistoryCursor> ParsePageToken(absl::string_view token, absl::string_view query_key);
// INVALID_ARGUMENT PAGE_TOKEN_INVALID on field page_token.
absl::Status BadPageToken();

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_CORE_REQUESTS_H_
