#include "services/reporting/core/webhook_events.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/auth/webhook_limits.h"
#include "google/protobuf/util/time_util.h"
#include "lagom/auth/v1/auth.pb.h"

namespace lagom::reporting {
namespace {

using ::google::protobuf::util::TimeUtil;
using Data = google::protobuf::Map<std::string, std::string>;

// English when there is one (the built-in models are written in it), else the first language
// in tag order, so the choice is stable.
std::string Text(const type::v1::LocalizedText& text) {
  if (auto en = text.translations().find("en"); en != text.translations().end()) {
    return en->second;
  }
  std::string best_tag, best;
  for (const auto& [tag, value] : text.translations()) {
    if (best_tag.empty() || tag < best_tag) best_tag = tag, best = value;
  }
  return best;
}

std::string IdOf(const std::string& name) { return name.substr(name.rfind('/') + 1); }

// The services in scope, as many as one data value holds (a scope may hold thousands), and
// how many there are in all.
void AddServices(const scoring::v1::Scorecard& s, Data& data) {
  if (s.services().empty()) return;
  std::string listed;
  for (const std::string& name : s.services()) {
    const size_t more = (listed.empty() ? 0 : 1) + name.size();  // names are ASCII
    if (listed.size() + more > auth::kMaxWebhookDataValueChars) break;
    absl::StrAppend(&listed, listed.empty() ? "" : ",", name);
  }
  data["services"] = std::move(listed);
  data["serviceCount"] = absl::StrCat(s.services_size());
}

// What both events say about the scorecard and where to read it: REST paths through the
// gateway (relative: the platform knows the gateway's base URL).
void AddScorecardLinks(const scoring::v1::Scorecard& s, const std::optional<CatalogEntry>& service,
                       Data& data) {
  data["scorecard"] = s.name();
  data["session"] = s.session();
  data["scorecardTitle"] = s.title();
  data["scorecardPath"] = absl::StrCat("/v1/", s.name());
  data["reportPath"] = absl::StrCat("/v1/", s.name(), ":render");
  AddServices(s, data);
  // One service in scope: the proposal is about it (cmdb_ci / business service, component).
  if (s.services_size() == 1) data["service"] = s.services(0);
  if (service && s.services_size() == 1 && service->name == s.services(0)) {
    data["serviceName"] = service->display_name;
    if (!service->external_id.empty()) data["serviceExternalId"] = service->external_id;
  }
}

OutboxEvent Event(const std::string& tenant, const scoring::v1::Scorecard& s,
                  const std::string& type, const std::string& resource,
                  auth::v1::PublishWebhookEventRequest req) {
  req.set_tenant_id(tenant);
  req.set_type(type);
  req.set_resource(resource);
  *req.mutable_event_time() = s.create_time();
  return OutboxEvent{type, IdOf(s.name()), req.SerializeAsString()};
}

std::string Description(const scoring::v1::Scorecard& s, const scoring::v1::Improvement& i,
                        int ranked) {
  std::string where = absl::StrCat("area '", i.area_id(), "'");
  if (!i.item_id().empty()) absl::StrAppend(&where, ", item '", i.item_id(), "'");
  return absl::StrCat(Text(i.rationale()), "\n\nProposed by Lagom from the assessment '", s.title(),
                      "' (", s.name(), "): improvement ", i.rank(), " of ", ranked,
                      " in its ranked list, ", where,
                      i.quick_win() ? ", a quick win (cheap relative to its effect)" : "",
                      absl::StrFormat(", priority score %.3f.", i.priority_score()));
}

}  // namespace

ProposalPriority PriorityOf(int rank, bool quick_win) {
  int level = rank <= 3 ? 2 : rank <= 6 ? 3 : 4;
  if (quick_win) level = std::max(2, level - 1);
  switch (level) {
    case 2:
      return {2, 2, 1, "High"};
    case 3:
      return {3, 2, 2, "Medium"};
    default:
      return {4, 3, 2, "Low"};
  }
}

std::vector<OutboxEvent> ScorecardWebhookEvents(const std::string& tenant,
                                                const scoring::v1::Scorecard& s,
                                                const std::optional<CatalogEntry>& service) {
  std::vector<OutboxEvent> events;
  const int proposed = std::min(s.improvements_size(), kMaxProposedImprovements);
  auth::v1::PublishWebhookEventRequest ready;
  Data& data = *ready.mutable_data();
  AddScorecardLinks(s, service, data);
  data["modelVersion"] = s.model_version();
  data["sessionCloseTime"] = TimeUtil::ToString(s.session_close_time());
  data["improvementCount"] = absl::StrCat(s.improvements_size());
  data["proposedImprovementCount"] = absl::StrCat(proposed);
  // Areas below their target for any group.
  std::set<std::string> below;
  for (const scoring::v1::AreaGoodEnough& g : s.good_enough()) {
    if (g.status() == scoring::v1::GOOD_ENOUGH_STATUS_BELOW) below.insert(g.area_id());
  }
  data["belowTargetAreaCount"] = absl::StrCat(below.size());
  data["lowConfidence"] = s.coverage().low_confidence() ? "true" : "false";
  events.push_back(Event(tenant, s, "scorecard.ready", s.name(), std::move(ready)));

  for (int k = 0; k < proposed; ++k) {
    const scoring::v1::Improvement& i = s.improvements(k);
    auth::v1::PublishWebhookEventRequest req;
    Data& d = *req.mutable_data();
    AddScorecardLinks(s, service, d);
    const std::string resource = absl::StrCat(s.name(), "/improvements/", i.rank());
    const ProposalPriority p = PriorityOf(i.rank(), i.quick_win());
    d["title"] = Text(i.title());
    d["description"] = Description(s, i, s.improvements_size());
    d["rationale"] = Text(i.rationale());
    d["rank"] = absl::StrCat(i.rank());
    d["quickWin"] = i.quick_win() ? "true" : "false";
    d["priority"] = absl::StrCat(p.priority);
    d["impact"] = absl::StrCat(p.impact);
    d["urgency"] = absl::StrCat(p.urgency);
    d["jiraPriority"] = p.jira;
    d["areaId"] = i.area_id();
    if (!i.item_id().empty()) d["itemId"] = i.item_id();
    d["lineageId"] = i.lineage_id();
    // Stable for this proposal: a platform that sees it twice updates one record.
    d["correlationId"] = resource;
    events.push_back(Event(tenant, s, "improvement.proposed", resource, std::move(req)));
  }
  return events;
}

}  // namespace lagom::reporting
