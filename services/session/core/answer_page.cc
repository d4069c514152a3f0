#include "services/session/core/answer_page.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/resource_util.h"
#include "lagom/session/v1/resources.pb.h"
#include "lagom/session/v1/session.pb.h"

namespace lagom::session {
namespace {

namespace api = ::lagom::session::v1;
using ::google::protobuf::io::CodedInputStream;
using ::google::protobuf::io::CodedOutputStream;
using WireFormat = ::google::protobuf::internal::WireFormatLite;

constexpr absl::string_view kAnswersSegment = "/answers/";

void PutVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void PutTag(int field, WireFormat::WireType type, std::string* out) {
  PutVarint(WireFormat::MakeTag(field, type), out);
}

size_t TagSize(int field) { return CodedOutputStream::VarintSize32(field << 3); }

size_t LengthDelimitedSize(int field, size_t length) {
  return TagSize(field) + CodedOutputStream::VarintSize64(length) + length;
}

// Whether `bytes` is a well-formed message: every field's tag, length and value in bounds.
bool IsMessage(absl::string_view bytes) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  return WireFormat::SkipMessage(&in) && in.CurrentPosition() == static_cast<int>(bytes.size());
}

}  // namespace

AnswerPageWriter::AnswerPageWriter(std::string participants_prefix)
    : participants_prefix_(std::move(participants_prefix)) {}

void AnswerPageWriter::Reserve(size_t answers, size_t body_bytes) {
  // Per answer: its framing, name, round and etag (some 40 bytes) besides the prefix.
  wire_.reserve(body_bytes + answers * (participants_prefix_.size() + 64));
}

absl::Status AnswerPageWriter::Add(const AnswerRecord& r) {
  if (!IsMessage(r.body)) return absl::DataLossError("stored answer is unreadable");
  const size_t name_size = participants_prefix_.size() + r.participant_id.size() +
                           kAnswersSegment.size() + r.item_id.size();
  const std::string etag = EtagOf(r.seq);
  // The round as set_round writes it: a negative int32 takes ten bytes, sign-extended.
  const uint64_t round = static_cast<uint64_t>(static_cast<int64_t>(r.round));
  const size_t answer_size =
      r.body.size() + LengthDelimitedSize(api::Answer::kNameFieldNumber, name_size) +
      TagSize(api::Answer::kRoundFieldNumber) + CodedOutputStream::VarintSize64(round) +
      LengthDelimitedSize(api::Answer::kEtagFieldNumber, etag.size());
  PutTag(api::ListAnswersResponse::kAnswersFieldNumber, WireFormat::WIRETYPE_LENGTH_DELIMITED,
         &wire_);
  PutVarint(answer_size, &wire_);
  wire_.append(r.body);
  PutTag(api::Answer::kNameFieldNumber, WireFormat::WIRETYPE_LENGTH_DELIMITED, &wire_);
  PutVarint(name_size, &wire_);
  absl::StrAppend(&wire_, participants_prefix_, r.participant_id, kAnswersSegment, r.item_id);
  PutTag(api::Answer::kRoundFieldNumber, WireFormat::WIRETYPE_VARINT, &wire_);
  PutVarint(round, &wire_);
  PutTag(api::Answer::kEtagFieldNumber, WireFormat::WIRETYPE_LENGTH_DELIMITED, &wire_);
  PutVarint(etag.size(), &wire_);
  wire_.append(etag);
  return absl::OkStatus();
}

std::string AnswerPageWriter::Finish(absl::string_view next_page_token) && {
  if (!next_page_token.empty()) {
    PutTag(api::ListAnswersResponse::kNextPageTokenFieldNumber,
           WireFormat::WIRETYPE_LENGTH_DELIMITED, &wire_);
    PutVarint(next_page_token.size(), &wire_);
    absl::StrAppend(&wire_, next_page_token);
  }
  return std::move(wire_);
}

}  // namespace lagom::session
