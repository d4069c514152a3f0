// Short names for the API packages the scoring core reads and writes: the protos are its
// contract (questionnaire models in, scorecards and explanations out).
#ifndef LAGOM_SERVICES_SCORING_CORE_API_H_
#define LAGOM_SERVICES_SCORING_CORE_API_H_

#include "lagom/questionnaire/v1/model.pb.h"
#include "lagom/scoring/v1/scorecard.pb.h"
#include "lagom/scoring/v1/scoring.pb.h"
#include "lagom/type/v1/assessment.pb.h"

namespace lagom::scoring {

namespace qapi = ::lagom::questionnaire::v1;
namespace sapi = ::lagom::scoring::v1;
namespace type = ::lagom::type::v1;

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_CORE_API_H_
