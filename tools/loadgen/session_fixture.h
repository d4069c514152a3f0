// What loadgen's session scenarios (submit, watch) set up on a running stack before measuring:
// the items a PROVIDER participant answers in a model version, an OPEN session of that model
// with invited PROVIDER participants, and SubmitAnswer requests as those participants send
// them (their invite token in `x-lagom-invite-token`, a fresh request_id each).
#ifndef LAGOM_TOOLS_LOADGEN_SESSION_FIXTURE_H_
#define LAGOM_TOOLS_LOADGEN_SESSION_FIXTURE_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lagom/session/v1/session.pb.h"
#include "tools/loadgen/load.h"

namespace lagom::loadgen {

inline constexpr char kBuiltInModel[] = "models/lagom-itsm/versions/1";

// An item a PROVIDER participant answers, and the answer loadgen gives.
struct AnswerableItem {
  std::string id;
  double value = 0;                // the first level descriptor's value, 0 if it has none
  bool needs_expectation = false;  // SERVQUAL_ASPECT_BOTH: expectation_value is set too
};

// An invited participant: its resource name and invite token.
struct Respondent {
  std::string participant;  // tenants/{t}/sessions/{s}/participants/{p}
  std::string token;
};

struct LoadSession {
  std::string name;  // tenants/{t}/sessions/{s}, OPEN
  std::vector<AnswerableItem> items;
  std::vector<Respondent> respondents;
};

// The items of `model_version` with perspective PROVIDER or BOTH, in model order, read with
// QuestionnaireService.GetModelVersion. FAILED_PRECONDITION if there are none.
absl::StatusOr<std::vector<AnswerableItem>> LoadAnswerableItems(grpc::Channel& questionnaire,
                                                                const std::string& api_key,
                                                                const std::string& model_version,
                                                                absl::Duration timeout);

// Creates a session of `model_version` in the API key's tenant (scope empty: every area),
// opens it, and adds `participants` PROVIDER participants with one invitation each; with a
// `customer_organization`, every second one is a CUSTOMER of that organisation instead.
absl::StatusOr<LoadSession> PrepareSession(grpc::Channel& session, const std::string& api_key,
                                           const std::string& model_version,
                                           const std::string& title, int participants,
                                           std::vector<AnswerableItem> items,
                                           absl::Duration timeout,
                                           const std::string& customer_organization = "");

// A context calling as the API key's owner, with a deadline.
std::unique_ptr<grpc::ClientContext> AdminContext(const std::string& api_key,
                                                  absl::Duration timeout);
// The call's status as an absl::Status saying which set-up step failed.
absl::Status StepStatus(const grpc::Status& status, absl::string_view step);
// A non-owning shared_ptr, as the generated stubs want one.
std::shared_ptr<grpc::Channel> Borrow(grpc::Channel& channel);

// A random UUID, version 4 format (8-4-4-4-12 lowercase hex).
std::string NewRequestId(std::mt19937_64& random);

// `respondent`'s answer to `item` with a fresh request_id, ready to send.
CallSpec SubmitAnswerCall(const Respondent& respondent, const AnswerableItem& item,
                          std::mt19937_64& random);

// The submit scenario's calls: call slot i acts for the respondents i, i + inflight, ... (or,
// with fewer respondents than slots, for respondent i mod respondents), taking them in turn;
// each respondent answers the items in model order, starting at an offset of its own, and
// starts over after the last. With at least as many respondents as slots, no respondent has
// two calls in flight. Thread-safe in CallMaker's sense: each slot's state is its own.
class AnswerCallMaker final {
 public:
  AnswerCallMaker(const LoadSession& session, int slots);

  void operator()(int slot, CallSpec& call);

 private:
  struct SlotState {
    std::mt19937_64 random;
    std::vector<size_t> respondents;  // indices into session_.respondents
    std::vector<size_t> next_item;    // per entry of respondents
    size_t turn = 0;
  };
  const LoadSession& session_;
  std::vector<SlotState> slots_;
};

}  // namespace lagom::loadgen

#endif  // LAGOM_TOOLS_LOADGEN_SESSION_FIXTURE_H_
