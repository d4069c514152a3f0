// Short names for the API packages the renderer reads: scorecards, models and benchmarks in,
// files out. The protos are its whole contract; it knows no storage and no RPC.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_API_H_
#define LAGOM_SERVICES_REPORTING_RENDER_API_H_

#include "lagom/questionnaire/v1/model.pb.h"
#include "lagom/reporting/v1/reporting.pb.h"
#include "lagom/scoring/v1/scorecard.pb.h"
#include "lagom/type/v1/assessment.pb.h"
#include "lagom/type/v1/localized_text.pb.h"

namespace lagom::reporting {

namespace qapi = ::lagom::questionnaire::v1;
namespace sapi = ::lagom::scoring::v1;
namespace reporting_api = ::lagom::reporting::v1;
namespace type = ::lagom::type::v1;

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_RENDER_API_H_
