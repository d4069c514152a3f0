#include "services/session/core/participant_core.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "lagom/auth/v1/auth.pb.h"

namespace lagom::session {
namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
constexpr absl::Duration kDefaultInvitationLifetime = absl::Hours(24 * 30);
constexpr size_t kTokenPrefixLength = 12;

constexpr absl::string_view kPerspectives = "PROVIDER, CUSTOMER, FACILITATOR";
constexpr absl::string_view kMutableFields[] = {"display_name", "email", "principal"};
constexpr absl::string_view kFixedFields[] = {
    "name",      "perspective",   "customer_organization", "state",       "progress",
    "join_time", "complete_time", "create_time",           "update_time", "etag"};

std::string ParticipantName(const RequestContext& rc, absl::string_view session_id,
                            absl::string_view participant_id) {
  return absl::StrCat(SessionName(rc, session_id), "/participants/", participant_id);
}

std::string InvitationName(const RequestContext& rc, absl::string_view session_id,
                           absl::string_view invitation_id) {
  return absl::StrCat(SessionName(rc, session_id), "/invitations/", invitation_id);
}

std::string PerspectiveName(api::ParticipantPerspective p) {
  return std::string(
      absl::StripPrefix(api::ParticipantPerspective_Name(p), "PARTICIPANT_PERSPECTIVE_"));
}

// The etag comes from the version column and progress from the live state: neither is stored.
ParticipantRecord ToRecord(const std::string& id, int64_t version, api::Participant p,
                           absl::Time create_time) {
  p.clear_etag();
  p.clear_progress();
  return ParticipantRecord{id, version, p.principal(), p.SerializeAsString(), create_time};
}

// Writes `p` over `old` (one version on), or says someone else changed it first.
absl::Status StoreParticipant(SessionTransaction& tx, const std::string& session_id,
                              const ParticipantRecord& old, api::Participant& p) {
  absl::Status updated = tx.UpdateParticipant(
      session_id, ToRecord(old.participant_id, old.version + 1, p, old.create_time), old.version);
  if (absl::IsAborted(updated) || absl::IsNotFound(updated)) {
    return Error(
        absl::StatusCode::kAborted, "ETAG_MISMATCH",
        absl::StrCat("participant ", p.name(), " changed concurrently; read it and retry"));
  }
  if (!updated.ok()) return updated;
  p.set_etag(EtagOf(old.version + 1));
  return absl::OkStatus();
}

// Reads participant `participant_id` of the session; NOT_FOUND naming `name`. `to_change`
// holds it first (SessionTransaction::HoldParticipant).
absl::StatusOr<std::pair<ParticipantRecord, api::Participant>> ReadParticipant(
    SessionTransaction& tx, const std::string& session_id, const std::string& participant_id,
    absl::string_view name, bool to_change) {
  if (to_change) {
    if (absl::Status s = tx.HoldParticipant(session_id, participant_id); !s.ok()) return s;
  }
  absl::StatusOr<std::optional<ParticipantRecord>> record =
      tx.GetParticipant(session_id, participant_id);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return NotFound("participant", name);
  absl::StatusOr<api::Participant> p = ParseParticipant(**record);
  if (!p.ok()) return p.status();
  return std::make_pair(**std::move(record), *std::move(p));
}

bool AcceptsParticipants(api::SessionState state) {
  return state == api::SESSION_STATE_DRAFT || state == api::SESSION_STATE_OPEN;
}

absl::Status NotYou(absl::string_view participant) {
  return Error(absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
               absl::StrCat("you may act only as your own participant, not as ", participant));
}

// Respondents (by role or by invite token) reach only their own participant.
bool MayActOn(const RequestContext& rc, const std::string& participant_name,
              const std::string& bound_principal) {
  const bool respondent =
      IsRespondent(rc) || rc.principal.credential_kind() == auth::v1::CREDENTIAL_KIND_INVITE_TOKEN;
  return !respondent || ActsAs(rc, participant_name, bound_principal);
}

// Anonymous sessions hide who the participants are from everyone but tenant admins.
void HideIdentity(const RequestContext& rc, const api::Session& session, api::Participant& p) {
  if (!session.anonymous() || rc.principal.role() == auth::v1::PRINCIPAL_ROLE_TENANT_ADMIN) {
    return;
  }
  p.clear_display_name();
  p.clear_email();
  p.clear_principal();
}

void FillProgress(const ModelIndex& model, const absl::flat_hash_map<std::string, int>& answered,
                  const std::string& participant_id, api::Participant& p) {
  const int expected = static_cast<int>(model.ExpectedItems(p.perspective()).size());
  auto it = answered.find(participant_id);
  const int count = it == answered.end() ? 0 : it->second;
  api::Progress* progress = p.mutable_progress();
  progress->set_answered_count(count);
  progress->set_expected_count(expected);
  progress->set_fraction(expected == 0 ? 0.0 : std::min(1.0, double(count) / expected));
}

// Answered counts by participant id; nullopt when the live state cannot say (progress is
// then left out rather than failing the read).
std::optional<absl::flat_hash_map<std::string, int>> AnsweredCounts(LiveState& live,
                                                                    const RequestContext& rc,
                                                                    const LiveSession& s) {
  if (!s.model) return std::nullopt;
  absl::StatusOr<std::vector<std::pair<std::string, int>>> counts = live.AnsweredCounts(rc, s);
  if (!counts.ok()) return std::nullopt;
  return absl::flat_hash_map<std::string, int>(counts->begin(), counts->end());
}

bool IsEmail(absl::string_view email) {
  const size_t at = email.find('@');
  return at != absl::string_view::npos && at > 0 && at + 1 < email.size() &&
         email.find('@', at + 1) == absl::string_view::npos;
}

void CheckIdentity(Violations& v, const api::Participant& p, const std::set<std::string>& paths) {
  auto has = [&](absl::string_view f) { return paths.empty() || paths.count(std::string(f)); };
  if (has("display_name")) CheckText(v, "participant.display_name", p.display_name(), 200, false);
  if (has("email") && !p.email().empty()) {
    if (Utf8Length(p.email()) > 254) {
      v.Add("participant.email",
            absl::StrCat("at most 254 characters (got ", Utf8Length(p.email()), ")"));
    } else if (std::optional<std::string> control = ControlCharacterIn(p.email())) {
      v.Add("participant.email", *std::move(control));
    } else if (!IsEmail(p.email())) {
      v.Add("participant.email",
            absl::StrCat("'", p.email(), "' is not an email address like name@example.com"));
    }
  }
  if (has("principal")) CheckText(v, "participant.principal", p.principal(), 256, false);
}

// Where a page starts and how long it is; violations for a bad size or token.
struct Page {
  size_t offset = 0;
  size_t size = kDefaultPageSize;
};
absl::StatusOr<Page> PageOf(int32_t page_size, const std::string& page_token,
                            absl::string_view query, absl::string_view method) {
  Page page;
  if (page_size < 0) {
    return InvalidArgumentError("invalid list request", {{"page_size", "must not be negative"}});
  }
  if (page_size > 0) page.size = std::min(page_size, kMaxPageSize);
  if (!page_token.empty()) {
    std::optional<size_t> offset = ParseOffsetToken(page_token, query);
    if (!offset) return BadPageToken(method);
    page.offset = *offset;
  }
  return page;
}

// AIP-160 subset: `key = value` and `key != value` clauses joined by AND. Each supported key maps
// to a test of the value; nullopt when a clause is not of a supported form.
template <typename T>
using Predicate = std::function<bool(const T&)>;
template <typename T>
using ClauseParser =
    std::function<std::optional<Predicate<T>>(absl::string_view key, absl::string_view value)>;

template <typename T>
std::optional<std::vector<Predicate<T>>> ParseFilter(absl::string_view filter,
                                                     const ClauseParser<T>& clause) {
  std::vector<Predicate<T>> predicates;
  if (absl::StripAsciiWhitespace(filter).empty()) return predicates;
  for (absl::string_view part : absl::StrSplit(filter, " AND ")) {
    std::vector<absl::string_view> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    if (kv.size() != 2) return std::nullopt;
    absl::string_view key = absl::StripAsciiWhitespace(kv[0]);
    const bool negated = absl::ConsumeSuffix(&key, "!");  // `key != value`
    std::optional<Predicate<T>> p =
        clause(absl::StripAsciiWhitespace(key), absl::StripAsciiWhitespace(kv[1]));
    if (!p) return std::nullopt;
    if (negated) p = [is = *std::move(p)](const T& t) { return !is(t); };
    predicates.push_back(*std::move(p));
  }
  return predicates;
}

// "\"text\"" → "text".
std::optional<std::string> Quoted(absl::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::nullopt;
  return std::string(value.substr(1, value.size() - 2));
}

std::optional<Predicate<api::Participant>> ParticipantClause(absl::string_view key,
                                                             absl::string_view value) {
  if (key == "perspective") {
    api::ParticipantPerspective p;
    if (!api::ParticipantPerspective_Parse(absl::StrCat("PARTICIPANT_PERSPECTIVE_", value), &p) ||
        p == api::PARTICIPANT_PERSPECTIVE_UNSPECIFIED) {
      return std::nullopt;
    }
    return [p](const api::Participant& x) { return x.perspective() == p; };
  }
  if (key == "state") {
    api::ParticipantState s;
    if (!api::ParticipantState_Parse(absl::StrCat("PARTICIPANT_STATE_", value), &s) ||
        s == api::PARTICIPANT_STATE_UNSPECIFIED) {
      return std::nullopt;
    }
    return [s](const api::Participant& x) { return x.state() == s; };
  }
  if (key == "customer_organization") {
    std::optional<std::string> org = Quoted(value);
    if (!org) return std::nullopt;
    return [org = *org](const api::Participant& x) { return x.customer_organization() == org; };
  }
  return std::nullopt;
}

std::optional<Predicate<api::Invitation>> InvitationClause(absl::string_view key,
                                                           absl::string_view value) {
  if (key == "participant") {
    std::optional<std::string> participant = Quoted(value);
    if (!participant) return std::nullopt;
    return [p = *participant](const api::Invitation& x) { return x.participant() == p; };
  }
  if (key == "state") {
    api::InvitationState s;
    if (!api::InvitationState_Parse(absl::StrCat("INVITATION_STATE_", value), &s) ||
        s == api::INVITATION_STATE_UNSPECIFIED) {
      return std::nullopt;
    }
    return [s](const api::Invitation& x) { return x.state() == s; };
  }
  return std::nullopt;
}

template <typename T>
bool Matches(const std::vector<Predicate<T>>& predicates, const T& x) {
  return std::all_of(predicates.begin(), predicates.end(), [&](const auto& p) { return p(x); });
}

// The invitation as the API shows it at `now` (EXPIRED is derived, never stored). Tokens
// expire when their session closes: the close time is the expiry when it comes first.
api::Invitation ToInvitation(const RequestContext& rc, const std::string& session_id,
                             const api::Session& session, const InvitationRecord& r,
                             absl::Time now) {
  api::Invitation inv;
  inv.set_name(InvitationName(rc, session_id, r.invitation_id));
  inv.set_participant(ParticipantName(rc, session_id, r.participant_id));
  std::optional<absl::Time> expire_time = r.expire_time;
  if (session.has_close_time()) {
    const absl::Time closed = FromProto(session.close_time());
    if (!expire_time || closed < *expire_time) expire_time = closed;
  }
  if (r.state == "REVOKED") {
    inv.set_state(api::INVITATION_STATE_REVOKED);
  } else if (!AcceptsParticipants(session.state()) || (expire_time && *expire_time <= now)) {
    inv.set_state(api::INVITATION_STATE_EXPIRED);
  } else {
    inv.set_state(api::INVITATION_STATE_ACTIVE);
  }
  if (expire_time) *inv.mutable_expire_time() = ToProto(*expire_time);
  inv.set_token_prefix(r.token_prefix);
  *inv.mutable_create_time() = ToProto(r.create_time);
  if (r.last_use_time) *inv.mutable_last_use_time() = ToProto(*r.last_use_time);
  if (r.revoke_time) *inv.mutable_revoke_time() = ToProto(*r.revoke_time);
  inv.set_etag(EtagOf(r.version));
  return inv;
}

absl::StatusOr<InvitationRecord> FindInvitation(SessionTransaction& tx,
                                                const std::string& session_id,
                                                const std::string& invitation_id) {
  absl::StatusOr<std::vector<InvitationRecord>> all = tx.ListInvitations(session_id);
  if (!all.ok()) return all.status();
  for (InvitationRecord& r : *all) {
    if (r.invitation_id == invitation_id) return std::move(r);
  }
  return absl::NotFoundError(invitation_id);
}

absl::Status InviteRefused(absl::string_view why) {
  return Error(absl::StatusCode::kUnauthenticated, "INVITE_TOKEN_INVALID",
               absl::StrCat("invite token not accepted: ", why));
}

// A quota, as a tenant's models or webhooks are: RESOURCE_EXHAUSTED, QUOTA_EXCEEDED.
absl::Status SessionFull(absl::string_view session) {
  return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
               absl::StrCat("session ", session, " already has ", kMaxParticipantsPerSession,
                            " participants, the most a session holds; remove one who will not "
                            "answer, or run another session for the rest"));
}

constexpr absl::string_view kUseYourToken =
    "send the token from your invitation both as the request's token and in the "
    "x-lagom-invite-token metadata; if it still fails, ask the facilitator for a new invitation";

}  // namespace

absl::Status ParticipantCore::CreateParticipant(const RequestContext& rc,
                                                const api::CreateParticipantRequest& req,
                                                api::CreateParticipantResponse* resp) {
  absl::StatusOr<std::string> session_id = SessionIdOf(rc, req.parent(), "parent");
  if (!session_id.ok()) return session_id.status();
  const api::Participant& in = req.participant();
  Violations v;
  if (!req.participant_id().empty() && !IsIdentifier(req.participant_id(), 63)) {
    v.Add("participant_id", absl::StrCat("'", req.participant_id(),
                                         "' must be 1-63 lowercase letters, digits or '-', "
                                         "starting with a letter"));
  }
  const bool customer = in.perspective() == api::PARTICIPANT_PERSPECTIVE_CUSTOMER;
  if (in.perspective() == api::PARTICIPANT_PERSPECTIVE_UNSPECIFIED ||
      !api::ParticipantPerspective_IsValid(in.perspective())) {
    v.Add("participant.perspective", absl::StrCat("required: one of ", kPerspectives));
  } else if (customer && in.customer_organization().empty()) {
    v.Add("participant.customer_organization",
          "required for CUSTOMER participants: the customer organisation they answer for");
  } else if (!customer && !in.customer_organization().empty()) {
    v.Add("participant.customer_organization",
          absl::StrCat("only CUSTOMER participants answer for a customer organisation, not ",
                       PerspectiveName(in.perspective()), " ones"));
  }
  CheckIdentity(v, in, {});
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid participant");

  const std::string id = req.participant_id().empty() ? NewId("p") : req.participant_id();
  const std::string name = ParticipantName(rc, *session_id, id);
  const absl::Time now = clock_();
  std::optional<LiveSession> live;
  absl::Status created = store_.InTenant(rc, [&](SessionTransaction& tx) {
    live.reset();
    return RunIdempotent(
        tx, rc, req.request_id(), "CreateParticipant", req, resp, [&]() -> absl::Status {
          // Locked exclusively: the participants are counted below, and two adds counting
          // at once could both see room for one more.
          absl::StatusOr<LiveSession> s =
              ReadLiveSession(tx, rc, models_, *session_id, /*lock_exclusive=*/true);
          if (!s.ok()) return s.status();
          const api::Session& session = s->session;
          if (!AcceptsParticipants(session.state())) {
            return StateConflict(req.parent(), session.state(),
                                 "participants can be added only while DRAFT or OPEN");
          }
          if (customer) {
            const auto& orgs = session.scope().customer_organizations();
            if (std::find(orgs.begin(), orgs.end(), in.customer_organization()) == orgs.end()) {
              return InvalidArgumentError(
                  "invalid participant",
                  {{"participant.customer_organization",
                    orgs.empty()
                        ? absl::StrCat("session ", req.parent(),
                                       " has no customer organisations in its scope; add them "
                                       "to scope.customer_organizations first")
                        : absl::StrCat("'", in.customer_organization(),
                                       "' is not in the session's scope; one of ",
                                       absl::StrJoin(orgs, ", "))}});
            }
          }
          absl::StatusOr<int> count = tx.CountParticipants(*session_id);
          if (!count.ok()) return count.status();
          if (*count >= kMaxParticipantsPerSession) return SessionFull(req.parent());
          // An OPEN session's model is pinned: nor may its answers grow past what can be
          // scored (a DRAFT session is held to it when it opens).
          if (s->model != nullptr) {
            if (absl::Status size = CheckScorableSize(tx, *session_id, req.parent(), *s->model,
                                                      *count, in.perspective());
                !size.ok()) {
              return size;
            }
          }
          api::Participant p;
          p.set_name(name);
          p.set_display_name(in.display_name());
          p.set_email(in.email());
          p.set_perspective(in.perspective());
          p.set_customer_organization(in.customer_organization());
          p.set_principal(in.principal());
          p.set_state(api::PARTICIPANT_STATE_INVITED);
          *p.mutable_create_time() = ToProto(now);
          *p.mutable_update_time() = ToProto(now);
          absl::Status inserted = tx.InsertParticipant(*session_id, ToRecord(id, 1, p, now));
          if (absl::IsAlreadyExists(inserted)) {
            return Error(absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
                         absl::StrCat("participant ", name, " already exists"));
          }
          if (!inserted.ok()) return inserted;
          p.set_etag(EtagOf(1));
          *resp->mutable_participant() = std::move(p);
          live = *std::move(s);
          return absl::OkStatus();
        });
  });
  if (created.ok() && live) live_.ParticipantChanged(rc, *live, resp->participant(), false);
  return created;
}

absl::Status ParticipantCore::GetParticipant(const RequestContext& rc,
                                             const api::GetParticipantRequest& req,
                                             api::GetParticipantResponse* resp) {
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ChildOf(rc, req.name(), "name", "participants");
  if (!ids.ok()) return ids.status();
  const auto& [session_id, participant_id] = *ids;
  LiveSession live;
  api::Participant p;
  absl::Status read = store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<LiveSession> s = ReadLiveSession(tx, rc, models_, session_id);
    if (!s.ok()) return s.status();
    if (absl::Status part = CheckRespondentTakesPart(tx, rc, session_id, s->session.name());
        !part.ok()) {
      return part;
    }
    live = *std::move(s);
    absl::StatusOr<std::pair<ParticipantRecord, api::Participant>> found =
        ReadParticipant(tx, session_id, participant_id, req.name(), /*to_change=*/false);
    if (!found.ok()) return found.status();
    if (!MayActOn(rc, req.name(), found->first.principal)) return NotYou(req.name());
    p = std::move(found->second);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  if (std::optional<absl::flat_hash_map<std::string, int>> answered =
          AnsweredCounts(live_, rc, live)) {
    FillProgress(*live.model, *answered, participant_id, p);
  }
  HideIdentity(rc, live.session, p);
  *resp->mutable_participant() = std::move(p);
  return absl::OkStatus();
}

absl::Status ParticipantCore::ListParticipants(const RequestContext& rc,
                                               const api::ListParticipantsRequest& req,
                                               api::ListParticipantsResponse* resp) {
  absl::StatusOr<std::string> session_id = SessionIdOf(rc, req.parent(), "parent");
  if (!session_id.ok()) return session_id.status();
  std::optional<std::vector<Predicate<api::Participant>>> filter =
      ParseFilter<api::Participant>(req.filter(), ParticipantClause);
  if (!filter) {
    return InvalidArgumentError(
        "invalid filter",
        {{"filter",
          "supported: `perspective = PROVIDER|CUSTOMER|FACILITATOR`, "
          "`state = INVITED|ACTIVE|COMPLETED`, `customer_organization = \"...\"`, "
          "each also with !=, joined with AND (or no filter)"}});
  }
  const std::string query = absl::StrCat(req.parent(), "|", req.filter());
  absl::StatusOr<Page> page = PageOf(req.page_size(), req.page_token(), query, "ListParticipants");
  if (!page.ok()) return page.status();
  LiveSession live;
  std::vector<std::pair<std::string, api::Participant>> selected;  // (id, participant)
  absl::Status read = store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    selected.clear();
    absl::StatusOr<LiveSession> s = ReadLiveSession(tx, rc, models_, *session_id);
    if (!s.ok()) return s.status();
    live = *std::move(s);
    absl::StatusOr<std::vector<ParticipantRecord>> records = tx.ListParticipants(*session_id);
    if (!records.ok()) return records.status();
    for (const ParticipantRecord& r : *records) {
      absl::StatusOr<api::Participant> p = ParseParticipant(r);
      if (!p.ok()) return p.status();
      if (Matches(*filter, *p)) selected.emplace_back(r.participant_id, *std::move(p));
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  std::sort(selected.begin(), selected.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::optional<absl::flat_hash_map<std::string, int>> answered;
  if (page->offset < selected.size()) answered = AnsweredCounts(live_, rc, live);
  for (size_t i = page->offset; i < selected.size() && i < page->offset + page->size; ++i) {
    auto& [id, p] = selected[i];
    if (answered) FillProgress(*live.model, *answered, id, p);
    HideIdentity(rc, live.session, p);
    *resp->add_participants() = std::move(p);
  }
  if (page->offset + page->size < selected.size()) {
    resp->set_next_page_token(OffsetToken(page->offset + page->size, query));
  }
  resp->set_total_size(static_cast<int32_t>(selected.size()));
  return absl::OkStatus();
}

absl::Status ParticipantCore::UpdateParticipant(const RequestContext& rc,
                                                const api::UpdateParticipantRequest& req,
                                                api::UpdateParticipantResponse* resp) {
  const api::Participant& in = req.participant();
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ChildOf(rc, in.name(), "participant.name", "participants");
  if (!ids.ok()) return ids.status();
  const auto& [session_id, participant_id] = *ids;
  Violations v;
  std::set<std::string> paths;
  if (req.update_mask().paths().empty()) {
    v.Add("update_mask", "required: list the fields to change, or \"*\" for all of them");
  }
  for (const std::string& path : req.update_mask().paths()) {
    if (path == "*") {
      for (absl::string_view f : kMutableFields) paths.insert(std::string(f));
    } else if (std::find(std::begin(kMutableFields), std::end(kMutableFields), path) !=
               std::end(kMutableFields)) {
      paths.insert(path);
    } else if (std::find(std::begin(kFixedFields), std::end(kFixedFields), path) !=
               std::end(kFixedFields)) {
      v.Add("update_mask", absl::StrCat("'", path, "' cannot be changed"));
    } else {
      v.Add("update_mask", absl::StrCat("unknown field '", path, "' of participant"));
    }
  }
  if (v.empty()) CheckIdentity(v, in, paths);
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid participant");

  const absl::Time now = clock_();
  std::optional<LiveSession> live;
  api::Participant changed;
  absl::Status updated = store_.InTenant(rc, [&](SessionTransaction& tx) {
    live.reset();
    return RunIdempotent(
        tx, rc, req.request_id(), "UpdateParticipant", req, resp, [&]() -> absl::Status {
          absl::StatusOr<LiveSession> s =
              ReadLiveSession(tx, rc, models_, session_id, /*lock_exclusive=*/false);
          if (!s.ok()) return s.status();
          if (s->session.state() == api::SESSION_STATE_ARCHIVED) {
            return StateConflict(SessionName(rc, session_id), s->session.state(),
                                 "its participants can no longer change");
          }
          // Who a participant is, in an anonymous session, is for tenant admins only: bound to
          // a respondent credential someone else holds, it would read the participant's
          // answers.
          if (paths.count("principal") && s->session.anonymous() &&
              rc.principal.role() != auth::v1::PRINCIPAL_ROLE_TENANT_ADMIN) {
            return Error(absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
                         absl::StrCat("session ", SessionName(rc, session_id),
                                      " is anonymous: only tenant admins change who a "
                                      "participant is (participant.principal)"));
          }
          absl::StatusOr<std::pair<ParticipantRecord, api::Participant>> found =
              ReadParticipant(tx, session_id, participant_id, in.name(), /*to_change=*/true);
          if (!found.ok()) return found.status();
          auto& [record, p] = *found;
          if (absl::Status e = CheckEtag(in.name(), in.etag(), EtagOf(record.version)); !e.ok()) {
            return e;
          }
          if (paths.count("display_name")) p.set_display_name(in.display_name());
          if (paths.count("email")) p.set_email(in.email());
          if (paths.count("principal")) p.set_principal(in.principal());
          *p.mutable_update_time() = ToProto(now);
          if (absl::Status st = StoreParticipant(tx, session_id, record, p); !st.ok()) return st;
          changed = p;  // the live state keeps who it is; the reply shows what the caller may see
          HideIdentity(rc, s->session, p);
          *resp->mutable_participant() = std::move(p);
          live = *std::move(s);
          return absl::OkStatus();
        });
  });
  if (updated.ok() && live) live_.ParticipantChanged(rc, *live, changed, false);
  return updated;
}

absl::Status ParticipantCore::DeleteParticipant(const RequestContext& rc,
                                                const api::DeleteParticipantRequest& req,
                                                api::DeleteParticipantResponse* resp) {
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ChildOf(rc, req.name(), "name", "participants");
  if (!ids.ok()) return ids.status();
  const auto& [session_id, participant_id] = *ids;
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  std::optional<LiveSession> live;
  api::Participant removed;
  absl::Status deleted = store_.InTenant(rc, [&](SessionTransaction& tx) {
    live.reset();
    return RunIdempotent(
        tx, rc, req.request_id(), "DeleteParticipant", req, resp, [&]() -> absl::Status {
          absl::StatusOr<LiveSession> s =
              ReadLiveSession(tx, rc, models_, session_id, /*lock_exclusive=*/false);
          if (!s.ok()) return s.status();
          if (!AcceptsParticipants(s->session.state())) {
            return StateConflict(SessionName(rc, session_id), s->session.state(),
                                 "participants can be removed only while DRAFT or OPEN");
          }
          absl::StatusOr<std::pair<ParticipantRecord, api::Participant>> found =
              ReadParticipant(tx, session_id, participant_id, req.name(), /*to_change=*/true);
          if (!found.ok()) return found.status();
          if (absl::Status e = CheckEtag(req.name(), req.etag(), EtagOf(found->first.version));
              !e.ok()) {
            return e;
          }
          if (absl::Status d = tx.DeleteParticipant(session_id, participant_id); !d.ok()) {
            return d;
          }
          removed = std::move(found->second);
          live = *std::move(s);
          return absl::OkStatus();
        });
  });
  if (deleted.ok() && live) live_.ParticipantChanged(rc, *live, removed, true);
  return deleted;
}

absl::Status ParticipantCore::CompleteParticipant(const RequestContext& rc,
                                                  const api::CompleteParticipantRequest& req,
                                                  api::CompleteParticipantResponse* resp) {
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ChildOf(rc, req.name(), "name", "participants");
  if (!ids.ok()) return ids.status();
  const auto& [session_id, participant_id] = *ids;
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  const absl::Time now = clock_();
  std::optional<LiveSession> live;
  std::optional<api::Participant> changed;  // unless it was COMPLETED already
  absl::Status completed = store_.InTenant(rc, [&](SessionTransaction& tx) {
    live.reset();
    changed.reset();
    return RunIdempotent(
        tx, rc, req.request_id(), "CompleteParticipant", req, resp, [&]() -> absl::Status {
          absl::StatusOr<LiveSession> s =
              ReadLiveSession(tx, rc, models_, session_id, /*lock_exclusive=*/false);
          if (!s.ok()) return s.status();
          if (absl::Status part = CheckRespondentTakesPart(tx, rc, session_id, s->session.name());
              !part.ok()) {
            return part;
          }
          absl::StatusOr<std::pair<ParticipantRecord, api::Participant>> found =
              ReadParticipant(tx, session_id, participant_id, req.name(), /*to_change=*/true);
          if (!found.ok()) return found.status();
          auto& [record, p] = *found;
          if (!MayActOn(rc, req.name(), record.principal)) return NotYou(req.name());
          if (s->session.state() != api::SESSION_STATE_OPEN) {
            return StateConflict(SessionName(rc, session_id), s->session.state(),
                                 "participants complete only while the session is OPEN");
          }
          if (p.perspective() == api::PARTICIPANT_PERSPECTIVE_FACILITATOR) {
            return InvalidArgumentError(
                "invalid request",
                {{"name", absl::StrCat("participant ", req.name(),
                                       " is a FACILITATOR; facilitators do not answer, so "
                                       "there is nothing to complete")}});
          }
          if (p.state() != api::PARTICIPANT_STATE_COMPLETED) {
            p.set_state(api::PARTICIPANT_STATE_COMPLETED);
            *p.mutable_complete_time() = ToProto(now);
            if (!p.has_join_time()) *p.mutable_join_time() = ToProto(now);
            *p.mutable_update_time() = ToProto(now);
            if (absl::Status st = StoreParticipant(tx, session_id, record, p); !st.ok()) {
              return st;
            }
            changed = p;
          }
          HideIdentity(rc, s->session, p);
          *resp->mutable_participant() = std::move(p);
          if (changed.has_value()) live = *std::move(s);
          return absl::OkStatus();
        });
  });
  if (completed.ok() && live) live_.ParticipantChanged(rc, *live, *changed, false);
  return completed;
}

absl::Status ParticipantCore::CreateInvitation(const RequestContext& rc,
                                               const api::CreateInvitationRequest& req,
                                               api::CreateInvitationResponse* resp) {
  absl::StatusOr<std::string> session_id = SessionIdOf(rc, req.parent(), "parent");
  if (!session_id.ok()) return session_id.status();
  const api::Invitation& in = req.invitation();
  const absl::Time now = clock_();
  Violations v;
  std::string participant_id;
  if (in.participant().empty()) {
    v.Add("invitation.participant", "required: the participant the token acts as");
  } else {
    absl::StatusOr<std::pair<std::string, std::string>> ids =
        ChildOf(rc, in.participant(), "invitation.participant", "participants");
    if (!ids.ok() || ids->first != *session_id) {
      v.Add("invitation.participant",
            absl::StrCat("'", in.participant(), "' is not a participant name of this session, ",
                         "like ", req.parent(), "/participants/{participant}"));
    } else {
      participant_id = ids->second;
    }
  }
  absl::Time expire_time = now + kDefaultInvitationLifetime;
  if (in.has_expire_time()) {
    if (!IsValidTimestamp(in.expire_time())) {
      v.Add("invitation.expire_time", "not a valid timestamp");
    } else if (expire_time = FromProto(in.expire_time()); expire_time <= now) {
      v.Add("invitation.expire_time",
            absl::StrCat("must be in the future (it is ", absl::FormatTime(expire_time),
                         ", now is ", absl::FormatTime(now), ")"));
    }
  }
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid invitation");

  // The token is shown once: a retry gets the invitation without it.
  auto redact = [](google::protobuf::Message& m) {
    static_cast<api::CreateInvitationResponse&>(m).clear_token();
  };
  return store_.InTenant(rc, [&](SessionTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "CreateInvitation", req, resp,
        [&]() -> absl::Status {
          absl::StatusOr<std::pair<SessionRecord, api::Session>> s =
              ReadSession(tx, rc, *session_id, /*lock_exclusive=*/false);
          if (!s.ok()) return s.status();
          if (!AcceptsParticipants(s->second.state())) {
            return StateConflict(req.parent(), s->second.state(),
                                 "invitations can be created only while DRAFT or OPEN");
          }
          absl::StatusOr<std::optional<ParticipantRecord>> record =
              tx.GetParticipant(*session_id, participant_id);
          if (!record.ok()) return record.status();
          if (!record->has_value()) {
            return InvalidArgumentError(
                "invalid invitation",
                {{"invitation.participant",
                  absl::StrCat("participant ", in.participant(), " does not exist")}});
          }
          absl::StatusOr<api::Participant> p = ParseParticipant(**record);
          if (!p.ok()) return p.status();
          if (p->perspective() == api::PARTICIPANT_PERSPECTIVE_FACILITATOR) {
            return InvalidArgumentError(
                "invalid invitation",
                {{"invitation.participant",
                  absl::StrCat("participant ", in.participant(),
                               " is a FACILITATOR; only PROVIDER and CUSTOMER participants "
                               "are invited to answer")}});
          }
          // In an anonymous session a token for a participant who has already joined would let
          // whoever holds it read their answers: a facilitator invites only those who have not.
          if (s->second.anonymous() && p->state() != api::PARTICIPANT_STATE_INVITED &&
              rc.principal.role() != auth::v1::PRINCIPAL_ROLE_TENANT_ADMIN) {
            return Error(
                absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
                absl::StrCat("session ", s->second.name(), " is anonymous and ", in.participant(),
                             " has joined it: only tenant admins invite them again"));
          }
          InviteTokens::Minted minted = tokens_.Mint(rc.tenant_id);
          InvitationRecord r;
          r.invitation_id = minted.invitation_id;
          r.version = 1;
          r.participant_id = participant_id;
          r.perspective = PerspectiveName(p->perspective());
          r.secret_sha256 = minted.secret_sha256;
          r.token_prefix = minted.token.substr(0, kTokenPrefixLength);
          r.state = "ACTIVE";
          r.expire_time = expire_time;
          r.create_time = now;
          if (absl::Status st = tx.InsertInvitation(*session_id, r); !st.ok()) return st;
          *resp->mutable_invitation() = ToInvitation(rc, *session_id, s->second, r, now);
          resp->set_token(minted.token);
          return absl::OkStatus();
        },
        redact);
  });
}

absl::Status ParticipantCore::ListInvitations(const RequestContext& rc,
                                              const api::ListInvitationsRequest& req,
                                              api::ListInvitationsResponse* resp) {
  absl::StatusOr<std::string> session_id = SessionIdOf(rc, req.parent(), "parent");
  if (!session_id.ok()) return session_id.status();
  std::optional<std::vector<Predicate<api::Invitation>>> filter =
      ParseFilter<api::Invitation>(req.filter(), InvitationClause);
  if (!filter) {
    return InvalidArgumentError(
        "invalid filter", {{"filter",
                            "supported: `participant = \"tenants/.../participants/...\"`, "
                            "`state = ACTIVE|REVOKED|EXPIRED`, joined with AND (or no filter)"}});
  }
  const std::string query = absl::StrCat(req.parent(), "|", req.filter());
  absl::StatusOr<Page> page = PageOf(req.page_size(), req.page_token(), query, "ListInvitations");
  if (!page.ok()) return page.status();
  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::pair<SessionRecord, api::Session>> s = ReadSession(tx, rc, *session_id);
    if (!s.ok()) return s.status();
    absl::StatusOr<std::vector<InvitationRecord>> records = tx.ListInvitations(*session_id);
    if (!records.ok()) return records.status();
    // Oldest first, the same order whichever store holds them, so offsets stay stable.
    std::sort(records->begin(), records->end(),
              [](const InvitationRecord& a, const InvitationRecord& b) {
                return std::tie(a.create_time, a.invitation_id) <
                       std::tie(b.create_time, b.invitation_id);
              });
    std::vector<api::Invitation> selected;
    for (const InvitationRecord& r : *records) {
      api::Invitation inv = ToInvitation(rc, *session_id, s->second, r, now);
      if (Matches(*filter, inv)) selected.push_back(std::move(inv));
    }
    for (size_t i = page->offset; i < selected.size() && i < page->offset + page->size; ++i) {
      *resp->add_invitations() = std::move(selected[i]);
    }
    if (page->offset + page->size < selected.size()) {
      resp->set_next_page_token(OffsetToken(page->offset + page->size, query));
    }
    return absl::OkStatus();
  });
}

absl::Status ParticipantCore::RevokeInvitation(const RequestContext& rc,
                                               const api::RevokeInvitationRequest& req,
                                               api::RevokeInvitationResponse* resp) {
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ChildOf(rc, req.name(), "name", "invitations");
  if (!ids.ok()) return ids.status();
  const auto& [session_id, invitation_id] = *ids;
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](SessionTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "RevokeInvitation", req, resp, [&]() -> absl::Status {
          absl::StatusOr<std::pair<SessionRecord, api::Session>> s =
              ReadSession(tx, rc, session_id);
          if (!s.ok()) return s.status();
          absl::StatusOr<InvitationRecord> r = FindInvitation(tx, session_id, invitation_id);
          if (absl::IsNotFound(r.status())) return NotFound("invitation", req.name());
          if (!r.ok()) return r.status();
          if (absl::Status e = CheckEtag(req.name(), req.etag(), EtagOf(r->version)); !e.ok()) {
            return e;
          }
          if (r->state != "REVOKED") {
            r->state = "REVOKED";
            r->revoke_time = now;
            ++r->version;
            if (absl::Status st = tx.UpdateInvitation(session_id, *r); !st.ok()) return st;
          }
          *resp->mutable_invitation() = ToInvitation(rc, session_id, s->second, *r, now);
          return absl::OkStatus();
        });
  });
}

absl::Status ParticipantCore::AcceptInvitation(const RequestContext& rc,
                                               const api::AcceptInvitationRequest& req,
                                               api::AcceptInvitationResponse* resp) {
  if (req.token().empty()) {
    return InvalidArgumentError("invalid request",
                                {{"token", "required: the token from your invitation"}});
  }
  std::optional<std::pair<std::string, std::string>> parsed = tokens_.Parse(req.token());
  if (!parsed || parsed->first != rc.tenant_id) {
    return InviteRefused(absl::StrCat("it is not an invite token of this tenant; ", kUseYourToken));
  }
  if (rc.principal.credential_kind() != auth::v1::CREDENTIAL_KIND_INVITE_TOKEN) {
    return InviteRefused(
        absl::StrCat("the call was not authenticated by an invite token; ", kUseYourToken));
  }
  absl::StatusOr<std::string> session_id = SessionIdOf(rc, rc.principal.session(), "session");
  if (!session_id.ok()) {
    return InviteRefused(
        absl::StrCat("the authenticating token names no session of this "
                     "tenant; ",
                     kUseYourToken));
  }
  const std::string& invitation_id = parsed->second;
  const absl::Time now = clock_();
  std::optional<LiveSession> joined;
  absl::Status accepted = store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    joined.reset();
    absl::StatusOr<InvitationRecord> r = FindInvitation(tx, *session_id, invitation_id);
    if (absl::IsNotFound(r.status()) ||
        (r.ok() && !tokens_.Matches(req.token(), r->secret_sha256))) {
      return InviteRefused(
          absl::StrCat("no invitation of your session has this token; ", kUseYourToken));
    }
    if (!r.ok()) return r.status();
    const std::string participant_name = ParticipantName(rc, *session_id, r->participant_id);
    if (rc.principal.participant() != participant_name) {
      return InviteRefused(
          absl::StrCat("the call was authenticated by another participant's "
                       "invite token; ",
                       kUseYourToken));
    }
    absl::StatusOr<LiveSession> s =
        ReadLiveSession(tx, rc, models_, *session_id, /*lock_exclusive=*/false);
    if (!s.ok()) return s.status();
    api::Invitation inv = ToInvitation(rc, *session_id, s->session, *r, now);
    if (inv.state() == api::INVITATION_STATE_REVOKED) {
      return InviteRefused("the invitation was revoked; ask the facilitator for a new one");
    }
    if (!AcceptsParticipants(s->session.state())) {
      return StateConflict(SessionName(rc, *session_id), s->session.state(),
                           "the session has closed and its invitations no longer work");
    }
    if (inv.state() == api::INVITATION_STATE_EXPIRED) {
      return InviteRefused("the invitation has expired; ask the facilitator for a new one");
    }
    absl::StatusOr<std::pair<ParticipantRecord, api::Participant>> found =
        ReadParticipant(tx, *session_id, r->participant_id, participant_name, /*to_change=*/true);
    if (absl::IsNotFound(found.status())) {
      return InviteRefused("the invited participant was removed from the session");
    }
    if (!found.ok()) return found.status();
    auto& [record, p] = *found;
    if (p.state() == api::PARTICIPANT_STATE_INVITED) {
      p.set_state(api::PARTICIPANT_STATE_ACTIVE);
      *p.mutable_join_time() = ToProto(now);
      *p.mutable_update_time() = ToProto(now);
      if (absl::Status st = StoreParticipant(tx, *session_id, record, p); !st.ok()) return st;
      joined = *s;
    }
    *resp->mutable_invitation() = std::move(inv);
    *resp->mutable_participant() = std::move(p);
    *resp->mutable_session() = std::move(s->session);
    return absl::OkStatus();
  });
  if (accepted.ok() && joined) live_.ParticipantChanged(rc, *joined, resp->participant(), false);
  return accepted;
}

}  // namespace lagom::session
