#include "tools/loadgen/session_fixture.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/auth/api_key.h"
#include "common/auth/authenticator.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "lagom/session/v1/session.grpc.pb.h"

namespace lagom::loadgen {
namespace {

namespace qapi = ::lagom::questionnaire::v1;
namespace sapi = ::lagom::session::v1;

}  // namespace

std::unique_ptr<grpc::ClientContext> AdminContext(const std::string& api_key,
                                                  absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata(auth::kAuthorizationKey, absl::StrCat("Bearer ", api_key));
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout));
  return context;
}

absl::Status StepStatus(const grpc::Status& status, absl::string_view step) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(step, ": ", status.error_message()));
}

std::shared_ptr<grpc::Channel> Borrow(grpc::Channel& channel) {
  return std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {});
}

absl::StatusOr<std::vector<AnswerableItem>> LoadAnswerableItems(grpc::Channel& questionnaire,
                                                                const std::string& api_key,
                                                                const std::string& model_version,
                                                                absl::Duration timeout) {
  auto stub = qapi::QuestionnaireService::NewStub(Borrow(questionnaire));
  qapi::GetModelVersionRequest request;
  request.set_name(model_version);
  qapi::GetModelVersionResponse response;
  const auto context = AdminContext(api_key, timeout);
  if (absl::Status s = StepStatus(stub->GetModelVersion(context.get(), request, &response),
                                  absl::StrCat("GetModelVersion ", model_version));
      !s.ok()) {
    return s;
  }
  std::vector<AnswerableItem> items;
  for (const qapi::Area& area : response.model_version().content().areas()) {
    for (const qapi::Item& item : area.items()) {
      if (item.perspective() != qapi::ITEM_PERSPECTIVE_PROVIDER &&
          item.perspective() != qapi::ITEM_PERSPECTIVE_BOTH) {
        continue;
      }
      AnswerableItem answerable;
      answerable.id = item.id();
      if (!item.level_descriptors().empty()) answerable.value = item.level_descriptors(0).value();
      answerable.needs_expectation = item.servqual_aspect() == qapi::SERVQUAL_ASPECT_BOTH;
      items.push_back(std::move(answerable));
    }
  }
  if (items.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(model_version, " has no PROVIDER or BOTH items to answer"));
  }
  return items;
}

absl::StatusOr<LoadSession> PrepareSession(grpc::Channel& session, const std::string& api_key,
                                           const std::string& model_version,
                                           const std::string& title, int participants,
                                           std::vector<AnswerableItem> items,
                                           absl::Duration timeout,
                                           const std::string& customer_organization) {
  absl::StatusOr<auth::ApiKeyParts> key = auth::ParseApiKey(api_key);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the API key is not a Lagom API key (lgm_...): ", key.status().message()));
  }
  auto stub = sapi::SessionService::NewStub(Borrow(session));
  LoadSession out;
  out.items = std::move(items);

  sapi::CreateSessionRequest create;
  create.set_parent(absl::StrCat("tenants/", key->tenant_id));
  create.mutable_session()->set_title(title);
  create.mutable_session()->set_model_version(model_version);
  if (!customer_organization.empty()) {
    create.mutable_session()->mutable_scope()->add_customer_organizations(customer_organization);
  }
  sapi::CreateSessionResponse created;
  if (absl::Status s =
          StepStatus(stub->CreateSession(AdminContext(api_key, timeout).get(), create, &created),
                     absl::StrCat("CreateSession in tenants/", key->tenant_id));
      !s.ok()) {
    return s;
  }
  out.name = created.session().name();

  sapi::OpenSessionRequest open;
  open.set_name(out.name);
  sapi::OpenSessionResponse opened;
  if (absl::Status s =
          StepStatus(stub->OpenSession(AdminContext(api_key, timeout).get(), open, &opened),
                     absl::StrCat("OpenSession ", out.name));
      !s.ok()) {
    return s;
  }

  for (int i = 0; i < participants; ++i) {
    sapi::CreateParticipantRequest add;
    add.set_parent(out.name);
    add.mutable_participant()->set_display_name(absl::StrCat("loadgen respondent ", i + 1));
    // With an organisation, every second participant is one of its customers.
    const bool customer = !customer_organization.empty() && i % 2 == 1;
    add.mutable_participant()->set_perspective(customer ? sapi::PARTICIPANT_PERSPECTIVE_CUSTOMER
                                                        : sapi::PARTICIPANT_PERSPECTIVE_PROVIDER);
    if (customer) add.mutable_participant()->set_customer_organization(customer_organization);
    sapi::CreateParticipantResponse added;
    if (absl::Status s =
            StepStatus(stub->CreateParticipant(AdminContext(api_key, timeout).get(), add, &added),
                       absl::StrCat("CreateParticipant in ", out.name));
        !s.ok()) {
      return s;
    }
    sapi::CreateInvitationRequest invite;
    invite.set_parent(out.name);
    invite.mutable_invitation()->set_participant(added.participant().name());
    sapi::CreateInvitationResponse invited;
    if (absl::Status s = StepStatus(
            stub->CreateInvitation(AdminContext(api_key, timeout).get(), invite, &invited),
            absl::StrCat("CreateInvitation for ", added.participant().name()));
        !s.ok()) {
      return s;
    }
    out.respondents.push_back({added.participant().name(), invited.token()});
  }
  return out;
}

std::string NewRequestId(std::mt19937_64& random) {
  uint64_t high = random();
  uint64_t low = random();
  high = (high & ~uint64_t{0xf000}) | uint64_t{0x4000};      // version 4
  low = (low & ~(uint64_t{3} << 62)) | (uint64_t{2} << 62);  // variant 10xx
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0xffff, low >> 48, low & 0xffffffffffff);
}

CallSpec SubmitAnswerCall(const Respondent& respondent, const AnswerableItem& item,
                          std::mt19937_64& random) {
  sapi::SubmitAnswerRequest request;
  request.set_parent(respondent.participant);
  request.mutable_answer()->set_item_id(item.id);
  request.mutable_answer()->set_value(item.value);
  if (item.needs_expectation) request.mutable_answer()->set_expectation_value(item.value);
  request.set_request_id(NewRequestId(random));
  CallSpec call;
  call.request = request.SerializeAsString();
  call.metadata.emplace_back(auth::kInviteTokenKey, respondent.token);
  return call;
}

AnswerCallMaker::AnswerCallMaker(const LoadSession& session, int slots) : session_(session) {
  std::random_device seed;
  const size_t respondents = session.respondents.size();
  const size_t items = session.items.size();
  slots_.resize(static_cast<size_t>(slots));
  for (size_t s = 0; s < slots_.size(); ++s) {
    SlotState& slot = slots_[s];
    slot.random.seed((uint64_t{seed()} << 32) ^ seed());
    if (respondents >= slots_.size()) {
      for (size_t r = s; r < respondents; r += slots_.size()) slot.respondents.push_back(r);
    } else {
      slot.respondents.push_back(s % respondents);
    }
    // Respondents start at different items, so the items' answers grow together.
    for (size_t r : slot.respondents) slot.next_item.push_back(r % items);
  }
}

void AnswerCallMaker::operator()(int slot_index, CallSpec& call) {
  SlotState& slot = slots_[static_cast<size_t>(slot_index)];
  const size_t turn = slot.turn++ % slot.respondents.size();
  size_t& item = slot.next_item[turn];
  call = SubmitAnswerCall(session_.respondents[slot.respondents[turn]], session_.items[item],
                          slot.random);
  item = (item + 1) % session_.items.size();
}

}  // namespace lagom::loadgen
