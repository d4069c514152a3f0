// A ListAnswers page built in the protobuf wire format straight from the stored answers. A page
// is up to 5 000 answers, and each stored body already is a serialized Answer without its
// name and etag: the page appends those fields (and the round) to each body instead of parsing
// every answer and serializing it again. Protobuf parsers let a later occurrence of a field
// win, so the page reads exactly as the Answer messages the API defines.
#ifndef LAGOM_SERVICES_SESSION_CORE_ANSWER_PAGE_H_
#define LAGOM_SERVICES_SESSION_CORE_ANSWER_PAGE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/session/core/session_store.h"

namespace lagom::session {

class AnswerPageWriter final {
 public:
  // `participants_prefix`: `tenants/{t}/sessions/{s}/participants/`, which every answer
  // name starts with.
  explicit AnswerPageWriter(std::string participants_prefix);

  // Room for `answers` answers whose bodies add up to `body_bytes`.
  void Reserve(size_t answers, size_t body_bytes);

  // Appends the answer (its participant id, item, round, seq and body). A body that is not a
  // protobuf message is DATA_LOSS, as when it is parsed.
  absl::Status Add(const AnswerRecord& r);

  // The serialized ListAnswersResponse: the answers added, in order, and the token.
  std::string Finish(absl::string_view next_page_token) &&;

 private:
  const std::string participants_prefix_;
  std::string wire_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_ANSWER_PAGE_H_
