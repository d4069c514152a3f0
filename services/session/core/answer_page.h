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

// A ListAnswerValues page built in the wire format: each answer's value read from its stored
// body without building an Answer, and the answers of one participant written as one
// ParticipantAnswerValues run, so the participant, its perspective and its organisation travel
// once per run instead of once per answer (a tenth of the bytes of ListAnswers).
class AnswerValuesPageWriter final {
 public:
  // Room for `answers` answers.
  void Reserve(size_t answers);

  // Appends the answer (its item, round and body) as one of `participant_id`'s (the id the
  // caller sees: the participant's own or its pseudonym). Answers come in participant order;
  // a change of participant, perspective or organisation starts a new run. A body that is not
  // a protobuf message is DATA_LOSS, as when it is parsed.
  absl::Status Add(absl::string_view participant_id, const AnswerRecord& r);

  // The serialized ListAnswerValuesResponse: the runs, in order, and the token.
  std::string Finish(absl::string_view next_page_token) &&;

 private:
  void CloseRun();

  std::string wire_;
  // The open run: its participant, perspective and organisation, and its AnswerValue fields
  // so far (a run's length precedes it, so it is written out once it ends).
  bool open_ = false;
  std::string participant_id_;
  uint64_t perspective_ = 0;
  std::string customer_organization_;
  std::string answers_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_ANSWER_PAGE_H_
