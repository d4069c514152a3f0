#include "services/session/live/shared_event.h"

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <utility>

#include "common/resource_util.h"

namespace lagom::session {

SharedEvent::SharedEvent(api::WatchSessionResponse event)
    : event_([&] {
        if (!event.has_event_time()) *event.mutable_event_time() = ToProto(absl::Now());
        return std::move(event);
      }()) {}

void WithholdIdentity(api::Participant& p) {
  p.clear_display_name();
  p.clear_email();
  p.clear_principal();
}

void SharedEvent::Apply(View view, api::WatchSessionResponse& event) {
  switch (view) {
    case View::kAsIs:
      return;
    case View::kRevealed:
      if (event.has_item_distribution_changed()) {
        event.mutable_item_distribution_changed()->mutable_distribution()->set_revealed(true);
      }
      return;
    case View::kDistributionWithheld:
      if (event.has_item_distribution_changed()) {
        event.mutable_item_distribution_changed()->clear_distribution();
      }
      return;
    case View::kIdentityWithheld:
      if (event.has_participant_joined()) {
        WithholdIdentity(*event.mutable_participant_joined()->mutable_participant());
      }
      if (event.has_participant_completed()) {
        WithholdIdentity(*event.mutable_participant_completed()->mutable_participant());
      }
      return;
  }
}

grpc::ByteBuffer SharedEvent::Encoded(View view) const {
  absl::MutexLock lock(&mu_);
  std::optional<grpc::ByteBuffer>& encoded = encoded_[static_cast<size_t>(view)];
  if (!encoded) {
    if (view == View::kAsIs) {
      encoded = EncodeWatchEvent(event_);
    } else {
      api::WatchSessionResponse shaped = event_;
      Apply(view, shaped);
      encoded = EncodeWatchEvent(shaped);
    }
  }
  return *encoded;  // shares the slices
}

grpc::ByteBuffer EncodeWatchEvent(const api::WatchSessionResponse& event) {
  grpc::ByteBuffer out;
  bool own_buffer = false;
  // Serializing a message of this API cannot fail but for size (over 2 GiB).
  (void)grpc::SerializationTraits<api::WatchSessionResponse>::Serialize(event, &out, &own_buffer);
  return out;
}

}  // namespace lagom::session
