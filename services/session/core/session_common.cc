#include "services/session/core/session_common.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/list_query.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "lagom/auth/v1/auth.pb.h"

namespace lagom::session {

bool IsIdentifier(absl::string_view s, size_t max, absl::string_view extra, bool digit_first) {
  if (s.empty() || s.size() > max) return false;
  if (!absl::ascii_islower(s[0]) && !(digit_first && absl::ascii_isdigit(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' ||
           absl::StrContains(extra, c);
  });
}

absl::Status SessionNotFound(absl::string_view name) {
  return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
               absl::StrCat("session ", name, " not found"));
}

absl::StatusOr<std::string> SessionIdOf(const RequestContext& rc, absl::string_view name,
                                        absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "tenants" || parts[2] != "sessions" || parts[1].empty() ||
      !IsIdentifier(parts[3], 63, "")) {
    return InvalidArgumentError(
        absl::StrCat("invalid ", field, ": '", name, "'"),
        {{std::string(field),
          absl::StrCat("'", name,
                       "' is not a session name like tenants/{tenant}/sessions/{session}")}});
  }
  if (parts[1] != rc.tenant_id) return SessionNotFound(name);
  return std::string(parts[3]);
}

std::string SessionName(const RequestContext& rc, absl::string_view id) {
  return absl::StrCat("tenants/", rc.tenant_id, "/sessions/", id);
}

absl::StatusOr<std::pair<std::string, std::string>> ChildOf(const RequestContext& rc,
                                                            absl::string_view name,
                                                            absl::string_view field,
                                                            absl::string_view collection,
                                                            bool allow_dash) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  const bool id_ok = parts.size() == 6 &&
                     ((allow_dash && parts[5] == "-") || IsIdentifier(parts[5], 63, "", true));
  if (!id_ok || parts[0] != "tenants" || parts[1].empty() || parts[2] != "sessions" ||
      !IsIdentifier(parts[3], 63, "") || parts[4] != collection) {
    return InvalidArgumentError(
        absl::StrCat("invalid ", field, ": '", name, "'"),
        {{std::string(field), absl::StrCat("'", name, "' is not a name like tenants/{tenant}/",
                                           "sessions/{session}/", collection, "/{id}")}});
  }
  if (parts[1] != rc.tenant_id) {
    return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
                 absl::StrCat(name, " not found"));
  }
  return std::make_pair(std::string(parts[3]), std::string(parts[5]));
}

std::string StateName(api::SessionState state) {
  return std::string(absl::StripPrefix(api::SessionState_Name(state), "SESSION_STATE_"));
}

absl::Status StateConflict(absl::string_view name, api::SessionState state,
                           absl::string_view what) {
  return Error(absl::StatusCode::kFailedPrecondition, "STATE_CONFLICT",
               absl::StrCat("session ", name, " is ", StateName(state), "; ", what));
}

absl::StatusOr<api::Session> ParseSession(const SessionRecord& record) {
  api::Session s;
  if (!s.ParseFromString(record.body)) {
    return absl::DataLossError(
        absl::StrCat("stored session ", record.session_id, " is unreadable"));
  }
  s.set_etag(EtagOf(record.version));
  return s;
}

absl::StatusOr<std::pair<SessionRecord, api::Session>> ReadSession(
    SessionTransaction& tx, const RequestContext& rc, const std::string& session_id,
    std::optional<bool> lock_exclusive) {
  absl::StatusOr<std::optional<SessionRecord>> record =
      lock_exclusive ? tx.GetLocked(session_id, *lock_exclusive) : tx.Get(session_id);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return SessionNotFound(SessionName(rc, session_id));
  absl::StatusOr<api::Session> session = ParseSession(**record);
  if (!session.ok()) return session.status();
  return std::make_pair(**std::move(record), *std::move(session));
}

absl::StatusOr<std::shared_ptr<const ModelIndex>> ModelIndexCache::Get(
    SessionTransaction& tx, const RequestContext& rc, const std::string& session_id,
    const api::Session& session) {
  if (session.model_content_hash().empty()) return nullptr;
  // The index is the pinned content seen through the scope, so both are in the key (not the
  // session id: a session deleted and made again with the same id may have another scope).
  const std::string key = absl::StrCat(rc.tenant_id, "/", session.model_content_hash(), "/",
                                       RequestFingerprint(session.scope()));
  {
    absl::MutexLock lock(&mu_);
    auto it = indexes_.find(key);
    if (it != indexes_.end()) return it->second;
  }
  absl::StatusOr<std::optional<std::pair<std::string, std::string>>> pinned =
      tx.GetPinnedModel(session_id);
  if (!pinned.ok()) return pinned.status();
  qapi::ModelContent content;
  if (!pinned->has_value() || !content.ParseFromString((*pinned)->second)) {
    return absl::DataLossError(
        absl::StrCat("the model pinned by session ", session.name(), " is missing or unreadable"));
  }
  absl::StatusOr<ModelIndex> index = ModelIndex::Build(content, session.scope());
  if (!index.ok()) return index.status();
  auto shared = std::make_shared<const ModelIndex>(*std::move(index));
  absl::MutexLock lock(&mu_);
  // Bounded: the sessions a replica serves at once use far fewer; when full it starts again.
  if (indexes_.size() >= kMaxIndexes) indexes_.clear();
  indexes_.emplace(key, shared);
  return shared;
}

absl::StatusOr<LiveSession> ReadLiveSession(SessionTransaction& tx, const RequestContext& rc,
                                            ModelIndexCache& models, const std::string& session_id,
                                            std::optional<bool> lock_exclusive) {
  absl::StatusOr<std::pair<SessionRecord, api::Session>> read =
      ReadSession(tx, rc, session_id, lock_exclusive);
  if (!read.ok()) return read.status();
  LiveSession live{std::move(read->second), session_id, nullptr};
  absl::StatusOr<std::shared_ptr<const ModelIndex>> model =
      models.Get(tx, rc, session_id, live.session);
  if (!model.ok()) return model.status();
  live.model = *std::move(model);
  return live;
}

absl::Status CheckScorableSize(SessionTransaction& tx, const std::string& session_id,
                               absl::string_view session_name, const ModelIndex& model,
                               int participants,
                               std::optional<api::ParticipantPerspective> adding) {
  const int64_t provider_items =
      static_cast<int64_t>(model.ExpectedItems(api::PARTICIPANT_PERSPECTIVE_PROVIDER).size());
  const int64_t customer_items =
      static_cast<int64_t>(model.ExpectedItems(api::PARTICIPANT_PERSPECTIVE_CUSTOMER).size());
  auto items_of = [&](api::ParticipantPerspective p) -> int64_t {
    if (p == api::PARTICIPANT_PERSPECTIVE_PROVIDER) return provider_items;
    if (p == api::PARTICIPANT_PERSPECTIVE_CUSTOMER) return customer_items;
    return 0;  // facilitators answer nothing
  };
  const int64_t added = adding ? items_of(*adding) : 0;
  if (adding && added == 0) return absl::OkStatus();  // one who answers nothing adds nothing
  // Most sessions stay below the limit whoever their participants are: their count is
  // enough, and only a large one reads every participant's perspective.
  if (participants * std::max(provider_items, customer_items) + added <= kMaxAnswersInForce) {
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<ParticipantRecord>> records = tx.ListParticipants(session_id);
  if (!records.ok()) return records.status();
  int64_t providers = 0;
  int64_t customers = 0;
  for (const ParticipantRecord& r : *records) {
    absl::StatusOr<api::Participant> p = ParseParticipant(r);
    if (!p.ok()) return p.status();
    if (p->perspective() == api::PARTICIPANT_PERSPECTIVE_PROVIDER) ++providers;
    if (p->perspective() == api::PARTICIPANT_PERSPECTIVE_CUSTOMER) ++customers;
  }
  const int64_t total = providers * provider_items + customers * customer_items;
  if (total + added <= kMaxAnswersInForce) return absl::OkStatus();
  const std::string figures =
      absl::StrCat(providers, " provider staff answer ", provider_items, " items in scope each, ",
                   customers, " customer respondents ", customer_items, " each");
  if (!adding) {
    return Error(absl::StatusCode::kFailedPrecondition, "SESSION_TOO_LARGE",
                 absl::StrCat("session ", session_name, " could take up to ", total, " answers (",
                              figures, "); a session is scored from at most ", kMaxAnswersInForce,
                              " answers: remove participants who will not answer, or narrow "
                              "scope.area_ids"));
  }
  const absl::string_view perspective =
      absl::StripPrefix(api::ParticipantPerspective_Name(*adding), "PARTICIPANT_PERSPECTIVE_");
  return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
               absl::StrCat("session ", session_name, " could take up to ", total, " answers (",
                            figures, "), and a ", perspective, " participant answers ", added,
                            " more; a session is scored from at most ", kMaxAnswersInForce,
                            " answers: remove a participant who will not answer, or run another "
                            "session for the rest"));
}

bool ActsAs(const RequestContext& rc, const std::string& participant_name,
            const std::string& bound_principal) {
  const auth::v1::Principal& p = rc.principal;
  if (p.credential_kind() == auth::v1::CREDENTIAL_KIND_INVITE_TOKEN) {
    return p.participant() == participant_name;
  }
  return !bound_principal.empty() && p.subject() == bound_principal;
}

bool IsRespondent(const RequestContext& rc) {
  return rc.principal.role() == auth::v1::PRINCIPAL_ROLE_PROVIDER_RESPONDENT ||
         rc.principal.role() == auth::v1::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT;
}

absl::Status CheckRespondentTakesPart(SessionTransaction& tx, const RequestContext& rc,
                                      const std::string& session_id,
                                      const std::string& session_name) {
  if (!IsRespondent(rc) ||
      rc.principal.credential_kind() == auth::v1::CREDENTIAL_KIND_INVITE_TOKEN) {
    return absl::OkStatus();
  }
  absl::StatusOr<bool> bound = tx.HasParticipantBoundTo(session_id, rc.principal.subject());
  if (!bound.ok()) return bound.status();
  if (*bound) return absl::OkStatus();
  return SessionNotFound(session_name);
}

absl::StatusOr<std::pair<SessionRecord, api::Session>> ReadSessionTakenPartIn(
    SessionTransaction& tx, const RequestContext& rc, const std::string& session_id) {
  absl::StatusOr<std::pair<SessionRecord, api::Session>> session = ReadSession(tx, rc, session_id);
  if (!session.ok()) return session.status();
  if (absl::Status part = CheckRespondentTakesPart(tx, rc, session_id, session->second.name());
      !part.ok()) {
    return part;
  }
  return session;
}

absl::StatusOr<api::Participant> ParseParticipant(const ParticipantRecord& r) {
  api::Participant p;
  if (!p.ParseFromString(r.body)) {
    return absl::DataLossError(
        absl::StrCat("stored participant ", r.participant_id, " is unreadable"));
  }
  p.set_etag(EtagOf(r.version));
  return p;
}

std::string OffsetToken(size_t offset, absl::string_view query) {
  return absl::WebSafeBase64Escape(absl::StrCat(offset, "|", query));
}

std::optional<size_t> ParseOffsetToken(absl::string_view token, absl::string_view query) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits('|', 1));
  size_t offset = 0;
  // Larger than any session's answers can be: refused, which keeps offset + page far from
  // overflowing (and from PostgreSQL's OFFSET range).
  if (parts.size() != 2 || parts[1] != query || !absl::SimpleAtoi(parts[0], &offset) ||
      offset > static_cast<size_t>(kMaxListOffset)) {
    return std::nullopt;
  }
  return offset;
}

// Ids are identifiers (no '|'), so the separator cannot occur inside them.
std::string KeyToken(const std::tuple<std::string, std::string, int>& key,
                     absl::string_view query) {
  return absl::WebSafeBase64Escape(absl::StrCat("k|", std::get<0>(key), "|", std::get<1>(key), "|",
                                                std::get<2>(key), "|", query));
}

std::optional<std::tuple<std::string, std::string, int>> ParseKeyToken(absl::string_view token,
                                                                       absl::string_view query) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits('|', 4));
  int round = 0;
  if (parts.size() != 5 || parts[0] != "k" || parts[4] != query ||
      !absl::SimpleAtoi(parts[3], &round)) {
    return std::nullopt;
  }
  return std::make_tuple(parts[1], parts[2], round);
}

absl::Status BadPageToken(absl::string_view method) {
  return WithReason(
      InvalidArgumentError("invalid page_token",
                           {{"page_token", absl::StrCat("not a token from an earlier ", method,
                                                        " with the same parameters")}}),
      "PAGE_TOKEN_INVALID");
}

absl::StatusOr<std::vector<api::Round>> ReadRounds(SessionTransaction& tx,
                                                   const std::string& session_id) {
  absl::StatusOr<std::vector<std::string>> bodies = tx.ListRounds(session_id);
  if (!bodies.ok()) return bodies.status();
  std::vector<api::Round> rounds(bodies->size());
  for (size_t i = 0; i < bodies->size(); ++i) {
    if (!rounds[i].ParseFromString((*bodies)[i])) {
      return absl::DataLossError("stored round is unreadable");
    }
  }
  return rounds;
}

absl::flat_hash_map<std::string, int> CurrentRounds(const std::vector<api::Round>& rounds) {
  absl::flat_hash_map<std::string, int> current;
  for (const api::Round& r : rounds) {
    for (const std::string& item : r.item_ids()) {
      int& n = current[item];
      n = std::max(n, r.number());
    }
  }
  return current;
}

absl::Status SelectInForce(SessionTransaction& tx, const std::string& session_id, AnswerQuery& q) {
  absl::StatusOr<std::vector<api::Round>> rounds = ReadRounds(tx, session_id);
  if (!rounds.ok()) return rounds.status();
  q.in_force = true;
  q.item_rounds.clear();
  for (const auto& [item, number] : CurrentRounds(*rounds)) {
    if (number > 1) q.item_rounds.emplace_back(item, number);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AnswerRecord>> ReadAnswerPage(SessionTransaction& tx,
                                                         const std::string& session_id,
                                                         AnswerQuery q, const AnswerPaging& paging,
                                                         absl::string_view method,
                                                         std::string* next_page_token) {
  if (!paging.page_token.empty()) {
    if (paging.offsets) {
      std::optional<size_t> offset = ParseOffsetToken(paging.page_token, paging.query);
      if (!offset) return BadPageToken(method);
      q.offset = *offset;
    } else {
      q.after = ParseKeyToken(paging.page_token, paging.query);
      if (!q.after) return BadPageToken(method);
    }
  }
  q.limit = paging.page_size + 1;  // one more tells whether there is a next page
  absl::StatusOr<std::vector<AnswerRecord>> rows = tx.ListAnswerPage(session_id, q);
  if (!rows.ok()) return rows.status();
  next_page_token->clear();
  if (rows->size() > paging.page_size) {
    rows->resize(paging.page_size);
    const AnswerRecord& last = rows->back();
    *next_page_token =
        paging.offsets ? OffsetToken(q.offset + paging.page_size, paging.query)
                       : KeyToken({last.participant_id, last.item_id, last.round}, paging.query);
  }
  return rows;
}

std::string Pseudonym(const std::string& key, const std::string& session_id,
                      const std::string& participant_id) {
  const std::string input = absl::StrCat(session_id, "/", participant_id);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest, &length);
  return absl::StrCat(
      "anon-", absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 8)));
}

}  // namespace lagom::session
