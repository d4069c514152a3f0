#include "services/session/core/answer_values.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "lagom/auth/v1/auth.pb.h"
#include "services/session/core/answer_page.h"
#include "services/session/core/session_common.h"

namespace lagom::session {
namespace {

// An answer is some 30 bytes on the wire, at most about 90 (a 63-character item id and both
// values) and, were every answer its participant's only one, another 200 for the run: 10 000
// stay under gRPC's default 4 MB message limit in the worst case, 300 kB in the usual one.
constexpr int kDefaultPage = 5000;
constexpr int kMaxPage = 10000;

absl::Status Validate(const api::ListAnswerValuesRequest& req) {
  Violations v;
  if (req.page_size() < 0) v.Add("page_size", "must not be negative");
  if (!v.empty()) return std::move(v).ToStatus("invalid ListAnswerValues request");
  return absl::OkStatus();
}

}  // namespace

absl::Status AnswerValuesCore::ListAnswerValues(const RequestContext& rc,
                                                const api::ListAnswerValuesRequest& req,
                                                api::ListAnswerValuesResponse* resp) {
  std::string wire;
  if (absl::Status s = ListAnswerValuesWire(rc, req, &wire); !s.ok()) return s;
  if (!resp->ParseFromString(wire)) return absl::DataLossError("stored answer is unreadable");
  return absl::OkStatus();
}

absl::Status AnswerValuesCore::ListAnswerValuesWire(const RequestContext& rc,
                                                    const api::ListAnswerValuesRequest& req,
                                                    std::string* wire) {
  absl::StatusOr<std::string> session_id = SessionIdOf(rc, req.parent(), "parent");
  if (!session_id.ok()) return session_id.status();
  if (absl::Status s = Validate(req); !s.ok()) return s;
  if (IsRespondent(rc)) {
    return Error(absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
                 "respondents may read only their own answers (ListAnswers of their participant)");
  }
  api::ListAnswerValuesRequest query = req;
  query.clear_page_token();
  query.clear_page_size();
  const std::string fingerprint = RequestFingerprint(query);
  const size_t page = req.page_size() == 0 ? kDefaultPage : std::min(req.page_size(), kMaxPage);
  return store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::pair<SessionRecord, api::Session>> session =
        ReadSession(tx, rc, *session_id);
    if (!session.ok()) return session.status();
    // As ListAnswers of every participant: in anonymous sessions only tenant admins see
    // participant ids, so others' tokens are offsets rather than the last answer's key.
    const bool pseudonymous =
        session->second.anonymous() && rc.principal.role() != auth::v1::PRINCIPAL_ROLE_TENANT_ADMIN;
    // In force: each item's answers in its current round. An answer of an earlier round that
    // was not given again in a re-vote is not, as the session closes with (RecordClose).
    AnswerQuery in_force;
    if (absl::Status s = SelectInForce(tx, *session_id, in_force); !s.ok()) return s;
    std::string next_page_token;
    absl::StatusOr<std::vector<AnswerRecord>> rows = ReadAnswerPage(
        tx, *session_id, std::move(in_force), {page, req.page_token(), fingerprint, pseudonymous},
        "ListAnswerValues", &next_page_token);
    if (!rows.ok()) return rows.status();
    AnswerValuesPageWriter writer;
    writer.Reserve(rows->size());
    std::string pseudonym;
    for (size_t i = 0; i < rows->size(); ++i) {
      const AnswerRecord& r = (*rows)[i];
      // A participant's answers are adjacent: one pseudonym (an HMAC) per participant.
      if (pseudonymous && (i == 0 || r.participant_id != (*rows)[i - 1].participant_id)) {
        pseudonym = Pseudonym(pseudonym_key_, *session_id, r.participant_id);
      }
      if (absl::Status s = writer.Add(pseudonymous ? pseudonym : r.participant_id, r); !s.ok()) {
        return s;
      }
    }
    *wire = std::move(writer).Finish(next_page_token);
    return absl::OkStatus();
  });
}

}  // namespace lagom::session
