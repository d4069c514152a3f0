#include "services/session/core/session_core.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/field_mask_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/list_query.h"
#include "common/log.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "services/session/core/session_common.h"
#include "services/session/core/webhook_events.h"

namespace lagom::session {
namespace {

// Violations, text and request-id checks, timestamps, etags and RunIdempotent come from
// common/resource_util.h; these few are the session's own.

void CheckLabels(Violations& v, const google::protobuf::Map<std::string, std::string>& labels) {
  if (labels.size() > 64) v.Add("session.labels", "at most 64 labels");
  for (const auto& [key, value] : labels) {
    if (!IsIdentifier(key, 63, "_")) {
      v.Add(absl::StrCat("session.labels.", key),
            "key must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter");
    }
    if (Utf8Length(value) > 63) {
      v.Add(absl::StrCat("session.labels.", key), "value at most 63 characters");
    } else if (std::optional<std::string> control = ControlCharacterIn(value)) {
      v.Add(absl::StrCat("session.labels.", key), *std::move(control));
    }
  }
}

absl::Status CheckEtag(absl::string_view name, absl::string_view sent, int64_t version) {
  return ::lagom::CheckEtag(name, sent, EtagOf(version));
}

std::string NewSessionId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  absl::BitGen gen;
  std::string id = "session-";
  for (int i = 0; i < 10; ++i) id += kAlphabet[absl::Uniform(gen, 0u, 36u)];
  return id;
}

// "tenants/{tenant}" of the caller. Another tenant's parent is NOT_FOUND.
absl::Status CheckParent(const RequestContext& rc, absl::string_view parent, Violations& v) {
  std::vector<absl::string_view> parts = absl::StrSplit(parent, '/');
  if (parts.size() != 2 || parts[0] != "tenants" || parts[1].empty()) {
    v.Add("parent", absl::StrCat("'", parent, "' is not a tenant name like tenants/{tenant}"));
    return absl::OkStatus();
  }
  if (parts[1] != rc.tenant_id) {
    return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
                 absl::StrCat("tenant ", parent, " not found"));
  }
  return absl::OkStatus();
}

// `tenants/{t}/models/{m}/versions/{v}` of the caller's tenant or `models/{m}/versions/{v}`.
bool IsModelVersionName(const RequestContext& rc, absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  auto version_id = [](absl::string_view s) { return IsIdentifier(s, 63, ".", true); };
  if (parts.size() == 4) {
    return parts[0] == "models" && IsIdentifier(parts[1], 63) && parts[2] == "versions" &&
           version_id(parts[3]);
  }
  return parts.size() == 6 && parts[0] == "tenants" && parts[1] == rc.tenant_id &&
         parts[2] == "models" && IsIdentifier(parts[3], 63) && parts[4] == "versions" &&
         version_id(parts[5]);
}

// `tenants/{caller's tenant}/<collection>/{id}`.
bool IsTenantResource(const RequestContext& rc, absl::string_view name,
                      absl::string_view collection) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  return parts.size() == 4 && parts[0] == "tenants" && parts[1] == rc.tenant_id &&
         parts[2] == collection && IsIdentifier(parts[3], 63);
}

constexpr absl::string_view kAreasWhy = "a model holds no more areas";

// Past `max` entries of a repeated field, one violation for the field and none for its entries.
template <typename T>
bool WithinBound(Violations& v, const std::string& path,
                 const google::protobuf::RepeatedPtrField<T>& list, int max,
                 absl::string_view why) {
  if (list.size() <= max) return true;
  v.Add(path, absl::StrCat("at most ", max, " (got ", list.size(), "): ", why));
  return false;
}

void CheckNames(Violations& v, const RequestContext& rc, const std::string& path,
                const google::protobuf::RepeatedPtrField<std::string>& names,
                absl::string_view collection, int max, absl::string_view why) {
  if (!WithinBound(v, path, names, max, why)) return;
  std::set<absl::string_view> seen;
  for (int i = 0; i < names.size(); ++i) {
    const std::string at = absl::StrCat(path, "[", i, "]");
    if (!IsTenantResource(rc, names[i], collection)) {
      v.Add(at, absl::StrCat("'", names[i], "' is not a name like tenants/", rc.tenant_id, "/",
                             collection, "/{id}"));
    } else if (!seen.insert(names[i]).second) {
      v.Add(at, absl::StrCat("'", names[i], "' is listed twice"));
    }
  }
}

// The mutable fields, and the states in which each may change.
struct MutableField {
  absl::string_view path;
  bool open = false;    // may change while OPEN
  bool closed = false;  // may change while CLOSED or ARCHIVED
};
constexpr MutableField kMutableFields[] = {
    {"title", true, false},
    {"description", true, false},
    {"model_version", false, false},
    {"scope", false, false},
    {"target_overrides", false, false},
    {"anonymous", false, false},
    {"rounds_enabled", false, false},
    {"language_tag", false, false},
    {"due_time", true, false},
    {"labels", true, true},
};
constexpr absl::string_view kOutputOnlyFields[] = {
    "name",        "model_content_hash", "effective_targets", "state",        "create_time",
    "update_time", "open_time",          "close_time",        "archive_time", "etag"};

const MutableField* FindMutable(absl::string_view path) {
  for (const MutableField& f : kMutableFields) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

bool MayChange(const MutableField& f, api::SessionState state) {
  switch (state) {
    case api::SESSION_STATE_DRAFT:
      return true;
    case api::SESSION_STATE_OPEN:
      return f.open;
    default:
      return f.closed;
  }
}

// Checks the client-settable fields of `s` named in `paths` (all of them when empty).
void ValidateSession(Violations& v, const RequestContext& rc, const api::Session& s,
                     const std::set<std::string>& paths) {
  auto has = [&](absl::string_view p) { return paths.empty() || paths.count(std::string(p)); };
  if (has("title")) CheckText(v, "session.title", s.title(), 200, true);
  if (has("description")) CheckText(v, "session.description", s.description(), 4000, false);
  if (has("model_version")) {
    if (s.model_version().empty()) {
      v.Add("session.model_version", "required");
    } else if (!IsModelVersionName(rc, s.model_version())) {
      v.Add("session.model_version",
            absl::StrCat(
                "'", s.model_version(), "' is not a model version name like tenants/", rc.tenant_id,
                "/models/{model}/versions/{version} or models/{model}/versions/{version}"));
    }
  }
  if (has("scope")) {
    CheckNames(v, rc, "session.scope.services", s.scope().services(), "services", kMaxScopeServices,
               "a tenant's catalogue holds no more services");
    CheckNames(v, rc, "session.scope.customer_organizations", s.scope().customer_organizations(),
               "customerOrganizations", kMaxScopeCustomerOrganizations,
               "scoring takes answers from at most that many customer organisations");
    std::set<absl::string_view> areas;
    const int listed =
        WithinBound(v, "session.scope.area_ids", s.scope().area_ids(), kMaxScopeAreas, kAreasWhy)
            ? s.scope().area_ids_size()
            : 0;
    for (int i = 0; i < listed; ++i) {
      const std::string& area = s.scope().area_ids(i);
      const std::string at = absl::StrCat("session.scope.area_ids[", i, "]");
      if (area.empty()) {
        v.Add(at, "must not be empty");
      } else if (!areas.insert(area).second) {
        v.Add(at, absl::StrCat("'", area, "' is listed twice"));
      }
    }
  }
  if (has("target_overrides")) {
    std::set<absl::string_view> areas;
    const int listed =
        WithinBound(v, "session.target_overrides", s.target_overrides(), kMaxScopeAreas, kAreasWhy)
            ? s.target_overrides_size()
            : 0;
    for (int i = 0; i < listed; ++i) {
      const auto& t = s.target_overrides(i);
      const std::string at = absl::StrCat("session.target_overrides[", i, "]");
      if (t.area_id().empty()) {
        v.Add(at + ".area_id", "required");
      } else if (!areas.insert(t.area_id()).second) {
        v.Add(at + ".area_id", absl::StrCat("area '", t.area_id(), "' has two targets"));
      }
      if (!(t.target_score() >= 0 && t.target_score() <= 1)) {
        v.Add(at + ".target_score",
              absl::StrCat("must be between 0 and 1 (got ", t.target_score(), ")"));
      }
    }
  }
  if (has("language_tag") && !s.language_tag().empty() && s.language_tag() != "en" &&
      s.language_tag() != "sv") {
    v.Add("session.language_tag", absl::StrCat("'", s.language_tag(), "' is not one of en, sv"));
  }
  if (has("due_time") && s.has_due_time() &&
      (s.due_time().seconds() < 0 || !IsValidTimestamp(s.due_time()))) {
    v.Add("session.due_time", "not a valid timestamp: 1970-01-01 to 9999-12-31");
  }
  if (has("labels")) CheckLabels(v, s.labels());
}

SessionRecord ToRecord(const std::string& id, int64_t version, const api::Session& s,
                       absl::Time create_time) {
  api::Session body = s;
  body.clear_etag();  // derived from the version column
  return SessionRecord{
      id, version, StateName(s.state()), s.model_version(), body.SerializeAsString(), create_time};
}

// Reads the session `name` (already checked) and refuses a stale etag. `to_change` holds the
// session's row until the transaction ends: writers of one session go one after the other, so
// a caller without an etag is never refused for another's change.
absl::StatusOr<std::pair<SessionRecord, api::Session>> Load(SessionTransaction& tx,
                                                            const std::string& name,
                                                            const std::string& id,
                                                            absl::string_view etag,
                                                            bool to_change) {
  absl::StatusOr<std::optional<SessionRecord>> record =
      to_change ? tx.GetLocked(id, /*exclusive=*/true) : tx.Get(id);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return SessionNotFound(name);
  if (absl::Status s = CheckEtag(name, etag, (*record)->version); !s.ok()) return s;
  absl::StatusOr<api::Session> session = ParseSession(**record);
  if (!session.ok()) return session.status();
  return std::make_pair(**std::move(record), *std::move(session));
}

absl::Status Store(SessionTransaction& tx, const SessionRecord& old, const api::Session& s) {
  absl::Status updated =
      tx.Update(ToRecord(old.session_id, old.version + 1, s, old.create_time), old.version);
  if (absl::IsAborted(updated) || absl::IsNotFound(updated)) {
    return Error(absl::StatusCode::kAborted, "ETAG_MISMATCH",
                 absl::StrCat("session ", s.name(), " changed concurrently; read it and retry"));
  }
  return updated;
}

// A CUSTOMER participant answers for an organisation of the session's scope, so a new scope
// keeps every organisation that has one: INVALID_ARGUMENT naming each left out, and how many
// participants answer for it.
absl::Status CheckCustomersStayInScope(SessionTransaction& tx, const std::string& session_id,
                                       const api::Session& before, const api::Session& after) {
  const auto& kept = after.scope().customer_organizations();
  const absl::flat_hash_set<std::string> in_scope(kept.begin(), kept.end());
  if (absl::c_all_of(before.scope().customer_organizations(),
                     [&](const std::string& org) { return in_scope.contains(org); })) {
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<ParticipantRecord>> records = tx.ListParticipants(session_id);
  if (!records.ok()) return records.status();
  std::map<std::string, int> left_out;
  for (const ParticipantRecord& r : *records) {
    absl::StatusOr<api::Participant> p = ParseParticipant(r);
    if (!p.ok()) return p.status();
    if (p->perspective() == api::PARTICIPANT_PERSPECTIVE_CUSTOMER &&
        !in_scope.contains(p->customer_organization())) {
      ++left_out[p->customer_organization()];
    }
  }
  Violations v;
  for (const auto& [org, n] : left_out) {
    v.Add("session.scope.customer_organizations",
          absl::StrCat("'", org, "' is left out, but ", n,
                       n == 1 ? " customer participant answers" : " customer participants answer",
                       " for it; remove them first, or keep it in scope"));
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid session");
  return absl::OkStatus();
}

// A scope names entries of the tenant's catalogue: respondents see its services named in their
// questionnaire, and reports show the services and organisations by their catalogue names.
// A misspelt entry is refused naming it (INVALID_ARGUMENT, as the other scope checks), before
// anything is stored. Only entries `before` (the stored scope, if any) does not hold are
// looked up: one deleted from the catalogue since it was put in scope does not block every
// later change. Called only once the names are well formed.
absl::StatusOr<std::vector<FieldViolation>> ScopeNotInCatalog(
    ModelCatalog& catalog, const RequestContext& rc, const api::SessionScope& scope,
    absl::string_view remedy, const api::SessionScope& before = {}) {
  struct Part {
    const google::protobuf::RepeatedPtrField<std::string>& names;
    const google::protobuf::RepeatedPtrField<std::string>& held;
    absl::string_view path, collection, noun;
  };
  std::vector<FieldViolation> out;
  for (const Part& part :
       {Part{scope.services(), before.services(), "session.scope.services", "services", "service"},
        Part{scope.customer_organizations(), before.customer_organizations(),
             "session.scope.customer_organizations", "customerOrganizations",
             "customer organisation"}}) {
    const absl::flat_hash_set<std::string> held(part.held.begin(), part.held.end());
    std::vector<std::string> added;
    for (const std::string& name : part.names) {
      if (!held.contains(name)) added.push_back(name);
    }
    if (added.empty()) continue;
    absl::StatusOr<std::vector<std::string>> missing =
        catalog.NotInCatalog(rc, part.collection, added);
    if (!missing.ok()) return missing.status();
    const absl::flat_hash_set<std::string> unknown(missing->begin(), missing->end());
    for (int i = 0; i < part.names.size(); ++i) {
      if (!unknown.contains(part.names[i])) continue;
      out.push_back({absl::StrCat(part.path, "[", i, "]"),
                     absl::StrCat("no ", part.noun, " '", part.names[i],
                                  "' in the tenant's catalogue; ", remedy)});
    }
  }
  return out;
}

absl::Status CheckScopeInCatalog(ModelCatalog& catalog, const RequestContext& rc,
                                 const api::SessionScope& scope,
                                 const api::SessionScope& before = {}) {
  absl::StatusOr<std::vector<FieldViolation>> missing =
      ScopeNotInCatalog(catalog, rc, scope, "create it first or correct the name", before);
  if (!missing.ok()) return missing.status();
  if (missing->empty()) return absl::OkStatus();
  return ViolationsError("invalid session scope", *std::move(missing));
}

// Before a session opens, every entry of its scope is looked up again: one deleted from the
// catalogue while the session was a DRAFT would be shown to respondents and scored under a
// name that names nothing. Refused as publishing a model version that fails validation is:
// INVALID_ARGUMENT, reason VALIDATION_FAILED, naming each entry as a create would.
absl::Status CheckScopeStillInCatalog(ModelCatalog& catalog, const RequestContext& rc,
                                      const api::Session& session) {
  absl::StatusOr<std::vector<FieldViolation>> missing = ScopeNotInCatalog(
      catalog, rc, session.scope(), "update the session's scope or restore it in the catalogue");
  if (!missing.ok()) return missing.status();
  if (missing->empty()) return absl::OkStatus();
  return WithReason(
      ViolationsError(absl::StrCat("session ", session.name(), " cannot open"), *std::move(missing),
                      "update the session's scope or restore them in the catalogue, "
                      "then open it"),
      "VALIDATION_FAILED");
}

// Whether a reply is kept for `request_id`: a retry is replayed from it (RunIdempotent), so it
// must not first depend on another service, which may be down (often why the client retries),
// or answer differently than it did.
absl::StatusOr<bool> HasKeptReply(SessionStore& store, const RequestContext& rc,
                                  const std::string& request_id) {
  if (request_id.empty()) return false;
  bool kept = false;
  absl::Status read = store.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<IdempotentReply>> prior = tx.FindReply(request_id);
    if (!prior.ok()) return prior.status();
    kept = prior->has_value();
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  return kept;
}

// The page token: where the last page ended, bound to the filter it was issued for.
// Every session of a tenant a list reads at most, before filtering: a provider runs a few
// assessments a year.
constexpr int kMaxSessionsListed = 100000;

constexpr absl::string_view kStates[] = {"DRAFT", "OPEN", "CLOSED", "ARCHIVED"};

// The states a list reads: every one when the filter names state (whose terms it checks:
// ARCHIVED sessions are listed only when asked for), else all but ARCHIVED.
std::vector<std::string> StatesToRead(const ListQuery& query, Violations& v) {
  bool names_state = false;
  for (const FilterTerm& term : query.filter) {
    if (term.path[0] != "state") continue;
    names_state = true;
    const absl::string_view value = absl::StripPrefix(term.value, "SESSION_STATE_");
    if (std::find(std::begin(kStates), std::end(kStates), value) == std::end(kStates)) {
      v.Add("filter",
            absl::StrCat("state '", term.value, "' is not one of DRAFT, OPEN, CLOSED, ARCHIVED"));
    }
  }
  if (!names_state) return {"DRAFT", "OPEN", "CLOSED"};
  return {std::begin(kStates), std::end(kStates)};
}

// One checked transition: `from` → `to`, `stamp` is the timestamp field it sets.
struct Transition {
  api::SessionState from;
  api::SessionState to;
  absl::string_view verb;
  google::protobuf::Timestamp* (api::Session::*stamp)();
};

absl::Status Transit(SessionStore& store, const RequestContext& rc, absl::Time now,
                     const Transition& t, const std::string& name, const std::string& etag,
                     const std::string& request_id, absl::string_view method,
                     const google::protobuf::Message& request, api::Session* out,
                     google::protobuf::Message* response,
                     const std::function<absl::Status(SessionTransaction&, const std::string&,
                                                      api::Session&)>& apply = {}) {
  absl::StatusOr<std::string> id = SessionIdOf(rc, name, "name");
  if (!id.ok()) return id.status();
  Violations v;
  CheckRequestId(v, request_id);
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  return store.InTenant(rc, [&](SessionTransaction& tx) {
    return RunIdempotent(tx, rc, request_id, method, request, response, [&]() -> absl::Status {
      absl::StatusOr<std::pair<SessionRecord, api::Session>> loaded =
          Load(tx, name, *id, etag, /*to_change=*/true);
      if (!loaded.ok()) return loaded.status();
      auto& [record, session] = *loaded;
      if (session.state() != t.from) {
        return StateConflict(
            name, session.state(),
            absl::StrCat("only a ", StateName(t.from), " session can be ", t.verb));
      }
      if (apply) {
        if (absl::Status s = apply(tx, *id, session); !s.ok()) return s;
      }
      session.set_state(t.to);
      *session.mutable_update_time() = ToProto(now);
      *(session.*t.stamp)() = ToProto(now);
      if (absl::Status s = Store(tx, record, session); !s.ok()) return s;
      session.set_etag(EtagOf(record.version + 1));
      *out = std::move(session);
      return absl::OkStatus();
    });
  });
}

}  // namespace

absl::Status SessionCore::CreateSession(const RequestContext& rc,
                                        const api::CreateSessionRequest& req,
                                        api::CreateSessionResponse* resp) {
  Violations v;
  if (absl::Status s = CheckParent(rc, req.parent(), v); !s.ok()) return s;
  if (!req.session_id().empty() && !IsIdentifier(req.session_id(), 63)) {
    v.Add("session_id", "1-63 lowercase letters, digits or '-', starting with a letter");
  }
  if (!req.has_session()) {
    v.Add("session", "required");
  } else {
    ValidateSession(v, rc, req.session(), {});
  }
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid session");
  absl::StatusOr<bool> retry = HasKeptReply(store_, rc, req.request_id());
  if (!retry.ok()) return retry.status();
  if (!*retry) {
    if (absl::Status s = CheckScopeInCatalog(models_, rc, req.session().scope()); !s.ok()) return s;
  }

  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](SessionTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "CreateSession", req, resp, [&]() -> absl::Status {
          const std::string id = req.session_id().empty() ? NewSessionId() : req.session_id();
          api::Session s = req.session();
          s.clear_model_content_hash();
          s.clear_effective_targets();
          s.clear_open_time();
          s.clear_close_time();
          s.clear_archive_time();
          s.set_name(SessionName(rc, id));
          s.set_state(api::SESSION_STATE_DRAFT);
          *s.mutable_create_time() = ToProto(now);
          *s.mutable_update_time() = ToProto(now);
          absl::Status inserted = tx.Insert(ToRecord(id, 1, s, now));
          if (absl::IsAlreadyExists(inserted)) {
            return Error(absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
                         absl::StrCat("session ", s.name(), " already exists"));
          }
          if (!inserted.ok()) return inserted;
          s.set_etag(EtagOf(1));
          *resp->mutable_session() = std::move(s);
          return absl::OkStatus();
        });
  });
}

absl::Status SessionCore::GetSession(const RequestContext& rc, const api::GetSessionRequest& req,
                                     api::GetSessionResponse* resp) {
  absl::StatusOr<std::string> id = SessionIdOf(rc, req.name(), "name");
  if (!id.ok()) return id.status();
  return store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::pair<SessionRecord, api::Session>> loaded =
        Load(tx, req.name(), *id, "", /*to_change=*/false);
    if (!loaded.ok()) return loaded.status();
    if (absl::Status s = CheckRespondentTakesPart(tx, rc, *id, req.name()); !s.ok()) return s;
    *resp->mutable_session() = std::move(loaded->second);
    return absl::OkStatus();
  });
}

absl::Status SessionCore::ListSessions(const RequestContext& rc,
                                       const api::ListSessionsRequest& req,
                                       api::ListSessionsResponse* resp) {
  Violations v;
  if (absl::Status s = CheckParent(rc, req.parent(), v); !s.ok()) return s;
  if (!v.empty()) return std::move(v).ToStatus("invalid list request");
  const ListRequestFields fields{req.page_size(), req.page_token(), req.filter(), req.order_by()};
  absl::StatusOr<ListQuery> query = ParseListQuery(
      fields,
      {"state", "model_version", "scope.services", "scope.customer_organizations", "labels"},
      {"create_time", "open_time", "close_time", "title"}, "create_time desc");
  if (!query.ok()) return query.status();
  SessionPageQuery read{.states = StatesToRead(*query, v), .limit = kMaxSessionsListed};
  if (!v.empty()) return std::move(v).ToStatus("invalid list request");
  return store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<SessionRecord>> records = tx.List(read);
    if (!records.ok()) return records.status();
    std::vector<api::Session> matching;
    for (const SessionRecord& record : *records) {
      absl::StatusOr<api::Session> s = ParseSession(record);
      if (!s.ok()) return s.status();
      if (Matches(*s, query->filter)) matching.push_back(*std::move(s));
    }
    Paginate(matching, *query, fields, resp, resp->mutable_sessions());
    resp->set_total_size(static_cast<int>(matching.size()));
    return absl::OkStatus();
  });
}

absl::Status SessionCore::UpdateSession(const RequestContext& rc,
                                        const api::UpdateSessionRequest& req,
                                        api::UpdateSessionResponse* resp) {
  const api::Session& in = req.session();
  absl::StatusOr<std::string> id = SessionIdOf(rc, in.name(), "session.name");
  if (!id.ok()) return id.status();
  Violations v;
  std::set<std::string> paths;
  if (req.update_mask().paths().empty()) {
    v.Add("update_mask", "required: list the fields to change, or \"*\" for all of them");
  }
  for (const std::string& path : req.update_mask().paths()) {
    if (path == "*") {
      for (const MutableField& f : kMutableFields) paths.insert(std::string(f.path));
    } else if (FindMutable(path) != nullptr) {
      paths.insert(path);
    } else if (std::find(std::begin(kOutputOnlyFields), std::end(kOutputOnlyFields), path) !=
               std::end(kOutputOnlyFields)) {
      v.Add("update_mask", absl::StrCat("'", path, "' cannot be changed"));
    } else {
      v.Add("update_mask", absl::StrCat("unknown field '", path, "' of session"));
    }
  }
  if (v.empty()) ValidateSession(v, rc, in, paths);
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid session");
  // A new scope's entries are looked up outside the transaction (remote calls), those the
  // stored DRAFT scope does not hold yet; the transaction then makes sure the session is still
  // the one whose scope was read. A session that is gone, or not DRAFT, is left to the
  // transaction to report.
  bool scope_checked = false;
  std::string checked_etag;  // of the session read, "" when none was DRAFT
  if (paths.count("scope") > 0) {
    absl::StatusOr<bool> retry = HasKeptReply(store_, rc, req.request_id());
    if (!retry.ok()) return retry.status();
    if (!*retry) {
      scope_checked = true;
      api::GetSessionRequest get;
      get.set_name(in.name());
      api::GetSessionResponse stored;
      absl::Status read = GetSession(rc, get, &stored);
      if (!read.ok() && !absl::IsNotFound(read)) return read;
      if (read.ok() && stored.session().state() == api::SESSION_STATE_DRAFT) {
        if (absl::Status s = CheckScopeInCatalog(models_, rc, in.scope(), stored.session().scope());
            !s.ok()) {
          return s;
        }
        checked_etag = stored.session().etag();
      }
    }
  }

  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](SessionTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "UpdateSession", req, resp, [&]() -> absl::Status {
          absl::StatusOr<std::pair<SessionRecord, api::Session>> loaded =
              Load(tx, in.name(), *id, in.etag(), /*to_change=*/true);
          if (!loaded.ok()) return loaded.status();
          auto& [record, session] = *loaded;
          if (scope_checked && session.state() == api::SESSION_STATE_DRAFT &&
              EtagOf(record.version) != checked_etag) {
            return Error(absl::StatusCode::kAborted, "ETAG_MISMATCH",
                         absl::StrCat("session ", in.name(),
                                      " changed while its scope was checked; read it and retry"));
          }
          std::vector<std::string> frozen;
          for (const std::string& path : paths) {
            if (!MayChange(*FindMutable(path), session.state())) frozen.push_back(path);
          }
          if (!frozen.empty()) {
            return StateConflict(
                in.name(), session.state(),
                absl::StrCat(absl::StrJoin(frozen, ", "), " can no longer change"));
          }
          // The masked fields are replaced whole by what was sent (unset clears them).
          api::Session merged = session;
          google::protobuf::FieldMask mask;
          for (const std::string& path : paths) mask.add_paths(path);
          google::protobuf::util::FieldMaskUtil::MergeOptions replace;
          replace.set_replace_message_fields(true);
          replace.set_replace_repeated_fields(true);
          google::protobuf::util::FieldMaskUtil::MergeMessageTo(in, mask, replace, &merged);
          if (paths.count("scope") > 0) {
            if (absl::Status kept = CheckCustomersStayInScope(tx, *id, session, merged);
                !kept.ok()) {
              return kept;
            }
          }
          merged.clear_etag();
          *merged.mutable_update_time() = ToProto(now);
          if (absl::Status s = Store(tx, record, merged); !s.ok()) return s;
          merged.set_etag(EtagOf(record.version + 1));
          *resp->mutable_session() = std::move(merged);
          return absl::OkStatus();
        });
  });
}

absl::Status SessionCore::DeleteSession(const RequestContext& rc,
                                        const api::DeleteSessionRequest& req,
                                        api::DeleteSessionResponse* resp) {
  absl::StatusOr<std::string> id = SessionIdOf(rc, req.name(), "name");
  if (!id.ok()) return id.status();
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  std::optional<LiveSession> deleted;
  absl::Status done = store_.InTenant(rc, [&](SessionTransaction& tx) {
    deleted.reset();
    return RunIdempotent(
        tx, rc, req.request_id(), "DeleteSession", req, resp, [&]() -> absl::Status {
          absl::StatusOr<std::pair<SessionRecord, api::Session>> loaded =
              Load(tx, req.name(), *id, req.etag(), /*to_change=*/true);
          if (!loaded.ok()) return loaded.status();
          if (loaded->second.state() != api::SESSION_STATE_DRAFT &&
              loaded->second.state() != api::SESSION_STATE_ARCHIVED) {
            return StateConflict(req.name(), loaded->second.state(),
                                 "only a DRAFT or ARCHIVED session can be deleted");
          }
          // Its items, for the live state to forget (an ARCHIVED session pins a model). A
          // pinned model that cannot be read does not stop the delete: what the live state
          // keeps of the items then expires with the idle TTL.
          ModelIndexCache pinned;
          absl::StatusOr<std::shared_ptr<const ModelIndex>> model =
              pinned.Get(tx, rc, *id, loaded->second);
          if (!model.ok()) {
            LogWarn(
                "a deleted session's pinned model was not read; its live figures expire",
                {{"tenant", rc.tenant_id}, {"session", *id}, {"error", model.status().ToString()}});
          }
          deleted = LiveSession{loaded->second, *id, model.ok() ? *std::move(model) : nullptr};
          return tx.Delete(*id);
        });
  });
  if (done.ok() && deleted && live_ != nullptr) live_->Forget(rc, *deleted);
  return done;
}

absl::Status SessionCore::OpenSession(const RequestContext& rc, const api::OpenSessionRequest& req,
                                      api::OpenSessionResponse* resp) {
  // Ask the questionnaire service outside the transaction (remote calls), then make sure the
  // session still pins the version that was fetched.
  std::optional<std::pair<std::string, std::optional<PublishedModel>>> fetched;
  std::vector<type_api::AreaTarget> tenant_targets;
  api::SessionScope checked_scope;
  {
    api::GetSessionRequest get;
    get.set_name(req.name());
    api::GetSessionResponse current;
    // A bad name, a missing session or one that is not DRAFT: the transition reports it.
    absl::Status read = GetSession(rc, get, &current);
    if (read.ok() && current.session().state() == api::SESSION_STATE_DRAFT) {
      if (absl::Status s = CheckScopeStillInCatalog(models_, rc, current.session()); !s.ok()) {
        return s;
      }
      checked_scope = current.session().scope();
      const std::string& version = current.session().model_version();
      absl::StatusOr<std::optional<PublishedModel>> model = models_.GetPublished(rc, version);
      if (!model.ok()) return model.status();
      fetched.emplace(version, *std::move(model));
      absl::StatusOr<std::vector<type_api::AreaTarget>> targets = models_.TenantTargets(rc);
      if (!targets.ok()) return targets.status();
      tenant_targets = *std::move(targets);
    }
  }
  const absl::Time now = clock_();
  const Transition open{api::SESSION_STATE_DRAFT, api::SESSION_STATE_OPEN, "opened",
                        &api::Session::mutable_open_time};
  absl::Status opened = Transit(
      store_, rc, now, open, req.name(), req.etag(), req.request_id(), "OpenSession", req,
      resp->mutable_session(), resp,
      [&](SessionTransaction& tx, const std::string& id, api::Session& s) -> absl::Status {
        if (!fetched || fetched->first != s.model_version() ||
            !google::protobuf::util::MessageDifferencer::Equals(s.scope(), checked_scope)) {
          return Error(
              absl::StatusCode::kAborted, "ETAG_MISMATCH",
              absl::StrCat("session ", s.name(), " changed while opening; read it and retry"));
        }
        if (!fetched->second) {
          return Error(absl::StatusCode::kFailedPrecondition, "STATE_CONFLICT",
                       absl::StrCat("model version ", s.model_version(),
                                    " is not PUBLISHED; a session can open only "
                                    "with a published model version"));
        }
        const PublishedModel& model = *fetched->second;
        absl::StatusOr<ModelIndex> index = ModelIndex::Build(model.content, s.scope());
        if (!index.ok()) return index.status();
        // Participants are added while DRAFT before the model is pinned: what they could
        // answer is known only now, before anyone answers.
        absl::StatusOr<int> participants = tx.CountParticipants(id);
        if (!participants.ok()) return participants.status();
        if (absl::Status size = CheckScorableSize(tx, id, s.name(), *index, *participants);
            !size.ok()) {
          return size;
        }
        std::vector<type_api::AreaTarget> overrides(s.target_overrides().begin(),
                                                    s.target_overrides().end());
        for (const type_api::AreaTarget& t : overrides) {
          if (!absl::c_any_of(index->EffectiveTargets({}, {}),
                              [&](const auto& area) { return area.area_id() == t.area_id(); })) {
            return InvalidArgumentError(
                "invalid session",
                {{"session.target_overrides",
                  absl::StrCat("area '", t.area_id(), "' is not in the session's scope")}});
          }
        }
        s.set_model_content_hash(model.content_hash);
        s.clear_effective_targets();
        for (type_api::AreaTarget& t : index->EffectiveTargets(tenant_targets, overrides)) {
          *s.add_effective_targets() = std::move(t);
        }
        if (absl::Status pinned =
                tx.PinModel(id, model.content_hash, model.content.SerializeAsString());
            !pinned.ok()) {
          return pinned;
        }
        // Round 1 covers every item in scope.
        api::Round first;
        first.set_name(absl::StrCat(s.name(), "/rounds/1"));
        first.set_number(1);
        for (const std::string& item : index->items()) first.add_item_ids(item);
        first.set_state(api::ROUND_STATE_OPEN);
        *first.mutable_start_time() = ToProto(now);
        if (absl::Status put = tx.PutRound(id, 1, first.SerializeAsString()); !put.ok()) {
          return put;
        }
        api::Session opened_session = s;
        opened_session.set_state(api::SESSION_STATE_OPEN);
        *opened_session.mutable_open_time() = ToProto(now);
        return tx.AddOutboxEvent(
            SessionWebhookEvent(rc.tenant_id, id, opened_session, "session.opened", now));
      });
  if (opened.ok()) Announce(rc, api::SESSION_STATE_DRAFT, resp->session());
  return opened;
}

absl::Status SessionCore::CloseSession(const RequestContext& rc,
                                       const api::CloseSessionRequest& req,
                                       api::CloseSessionResponse* resp) {
  const absl::Time now = clock_();
  const Transition close{api::SESSION_STATE_OPEN, api::SESSION_STATE_CLOSED, "closed",
                         &api::Session::mutable_close_time};
  absl::Status closed =
      Transit(store_, rc, now, close, req.name(), req.etag(), req.request_id(), "CloseSession", req,
              resp->mutable_session(), resp,
              [&](SessionTransaction& tx, const std::string& id, api::Session& s) -> absl::Status {
                return RecordClose(tx, rc.tenant_id, id, s, now);
              });
  if (closed.ok()) Announce(rc, api::SESSION_STATE_OPEN, resp->session());
  return closed;
}

absl::Status SessionCore::ArchiveSession(const RequestContext& rc,
                                         const api::ArchiveSessionRequest& req,
                                         api::ArchiveSessionResponse* resp) {
  const Transition archive{api::SESSION_STATE_CLOSED, api::SESSION_STATE_ARCHIVED, "archived",
                           &api::Session::mutable_archive_time};
  absl::Status archived =
      Transit(store_, rc, clock_(), archive, req.name(), req.etag(), req.request_id(),
              "ArchiveSession", req, resp->mutable_session(), resp);
  if (archived.ok()) Announce(rc, api::SESSION_STATE_CLOSED, resp->session());
  return archived;
}

// Freezes the answers: every round ends, each item's latest-round answers are kept as the
// final answer set, and session.closed goes to the outbox, for scoring and for webhooks, in the
// same transaction.
absl::Status SessionCore::RecordClose(SessionTransaction& tx, const std::string& tenant,
                                      const std::string& id, const api::Session& s,
                                      absl::Time now) {
  absl::StatusOr<std::vector<std::string>> rounds = tx.ListRounds(id);
  if (!rounds.ok()) return rounds.status();
  absl::flat_hash_map<std::string, int> latest;  // item → its latest round
  for (const std::string& body : *rounds) {
    api::Round round;
    if (!round.ParseFromString(body)) return absl::DataLossError("stored round is unreadable");
    for (const std::string& item : round.item_ids()) latest[item] = round.number();
    if (round.state() == api::ROUND_STATE_OPEN) {
      round.set_state(api::ROUND_STATE_ENDED);
      *round.mutable_end_time() = ToProto(now);
      if (absl::Status put = tx.PutRound(id, round.number(), round.SerializeAsString());
          !put.ok()) {
        return put;
      }
    }
  }
  absl::StatusOr<std::vector<AnswerRecord>> answers = tx.ListAnswers(id, std::nullopt);
  if (!answers.ok()) return answers.status();
  std::vector<AnswerRecord> final_answers;
  for (AnswerRecord& a : *answers) {
    auto it = latest.find(a.item_id);
    if (!a.withdrawn && it != latest.end() && it->second == a.round) {
      final_answers.push_back(std::move(a));
    }
  }
  if (absl::Status kept = tx.InsertFinalAnswers(id, final_answers); !kept.ok()) return kept;
  api::SessionClosedEvent event;
  *event.mutable_session() = s;
  event.mutable_session()->set_state(api::SESSION_STATE_CLOSED);
  *event.mutable_session()->mutable_close_time() = ToProto(now);
  event.set_final_answer_count(static_cast<int32_t>(final_answers.size()));
  *event.mutable_close_time() = ToProto(now);
  // One row per consumer: scoring and webhooks each get it, independently.
  if (absl::Status queued = tx.AddOutboxEvent(
          OutboxEvent{"scoring", "session.closed", id, event.SerializeAsString()});
      !queued.ok()) {
    return queued;
  }
  return tx.AddOutboxEvent(SessionWebhookEvent(tenant, id, event.session(), "session.closed", now,
                                               event.final_answer_count()));
}

void SessionCore::Announce(const RequestContext& rc, api::SessionState previous,
                           const api::Session& now) {
  if (live_ == nullptr) return;
  absl::StatusOr<std::string> id = SessionIdOf(rc, now.name(), "name");
  if (!id.ok()) return;
  api::WatchSessionResponse event;
  event.mutable_session_state_changed()->set_previous_state(previous);
  *event.mutable_session_state_changed()->mutable_session() = now;
  live_->Publish(rc, LiveSession{now, *id, nullptr}, event);
}

}  // namespace lagom::session
