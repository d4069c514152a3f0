// How the renderer and the exports name a response group.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_GROUP_KEY_H_
#define LAGOM_SERVICES_REPORTING_RENDER_GROUP_KEY_H_

#include <string>

#include "services/reporting/render/api.h"

namespace lagom::reporting {

// "provider", "all_customers" or the organisation's resource name: unique per group, and what
// the CSV export writes in its group column.
inline std::string GroupKey(const type::ResponseGroup& group) {
  switch (group.kind()) {
    case type::RESPONSE_GROUP_KIND_PROVIDER:
      return "provider";
    case type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS:
      return "all_customers";
    case type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION:
      return group.customer_organization();
    default:
      return "unspecified";
  }
}

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_RENDER_GROUP_KEY_H_
