// ListAnswerValues: a whole session's answers in force, in the compact form bulk readers (the
// scoring service) need. Pages are read like ListAnswers' (keyset paging over the journal's
// primary key, offsets where tokens must not name participants) and written straight in the
// wire format (see AnswerValuesPageWriter).
#ifndef LAGOM_SERVICES_SESSION_CORE_ANSWER_VALUES_H_
#define LAGOM_SERVICES_SESSION_CORE_ANSWER_VALUES_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "common/request_context.h"
#include "lagom/session/v1/session.pb.h"
#include "services/session/core/session_store.h"

namespace lagom::session {

class AnswerValuesCore final {
 public:
  // `pseudonym_key`: the key of the pseudonyms of anonymous sessions (as AnswerCore's).
  AnswerValuesCore(SessionStore& store, std::string pseudonym_key)
      : store_(store), pseudonym_key_(std::move(pseudonym_key)) {}

  absl::Status ListAnswerValues(const RequestContext& rc,
                                const ::lagom::session::v1::ListAnswerValuesRequest& req,
                                ::lagom::session::v1::ListAnswerValuesResponse* resp);
  // ListAnswerValues with the response serialized: what the gRPC method sends.
  absl::Status ListAnswerValuesWire(const RequestContext& rc,
                                    const ::lagom::session::v1::ListAnswerValuesRequest& req,
                                    std::string* wire);

 private:
  SessionStore& store_;
  const std::string pseudonym_key_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_ANSWER_VALUES_H_
