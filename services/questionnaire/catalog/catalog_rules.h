// The field rules of the two catalogue resources, shared by the standard methods and the
// import (which reports them per row and column instead of per request field).
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_RULES_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_RULES_H_

#include <string>

#include "common/resource_util.h"
#include "lagom/catalog/v1/catalog.pb.h"

namespace lagom::questionnaire {

// Adds a violation under `path` (e.g. "customer_organization") for every field of `r` that
// breaks its rule: lengths, email, country code, language tag, labels.
void ValidateCustomerOrganization(const ::lagom::catalog::v1::CustomerOrganization& r,
                                  const std::string& path, Violations& v);

// The same for a service: lengths, owner email, lifecycle stage, service level, labels.
// References to organisations are checked against storage by the caller.
void ValidateItService(const ::lagom::catalog::v1::ItService& r, const std::string& path,
                       Violations& v);

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_RULES_H_
