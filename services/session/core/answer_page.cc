#include "services/session/core/answer_page.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <optional>
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

void PutBytes(int field, absl::string_view bytes, std::string* out) {
  PutTag(field, WireFormat::WIRETYPE_LENGTH_DELIMITED, out);
  PutVarint(bytes.size(), out);
  out->append(bytes.data(), bytes.size());
}

// A page's next_page_token field; none on the last page.
void PutToken(int field, absl::string_view token, std::string* out) {
  if (!token.empty()) PutBytes(field, token, out);
}

void PutFixed64(uint64_t bits, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(bits >> (8 * i)));
}

// What a ListAnswerValues page takes of a stored Answer body, as stored: the doubles' bits,
// the enum's and the bool's varints, the organisation as a view into the body.
struct StoredValue {
  uint64_t perspective = 0;
  absl::string_view customer_organization;
  api::AnswerValue::ResponseCase response = api::AnswerValue::RESPONSE_NOT_SET;
  uint64_t response_bits = 0;  // the value's bits, or not_applicable's varint
  std::optional<uint64_t> expectation_bits;
};

// Reads the fields of `body` that StoredValue holds and checks that the rest is well-formed.
// As a parser would: a later occurrence of a field wins, and so does the later of the
// oneof's two fields; a field with a wire type other than its own is an unknown field.
bool ReadStoredValue(absl::string_view body, StoredValue* out) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()), static_cast<int>(body.size()));
  for (uint32_t tag = in.ReadTag(); tag != 0; tag = in.ReadTag()) {
    const int field = WireFormat::GetTagFieldNumber(tag);
    const WireFormat::WireType type = WireFormat::GetTagWireType(tag);
    bool read = true;
    if (field == api::Answer::kValueFieldNumber && type == WireFormat::WIRETYPE_FIXED64) {
      read = in.ReadLittleEndian64(&out->response_bits);
      out->response = api::AnswerValue::kValue;
    } else if (field == api::Answer::kNotApplicableFieldNumber &&
               type == WireFormat::WIRETYPE_VARINT) {
      read = in.ReadVarint64(&out->response_bits);
      out->response = api::AnswerValue::kNotApplicable;
    } else if (field == api::Answer::kExpectationValueFieldNumber &&
               type == WireFormat::WIRETYPE_FIXED64) {
      uint64_t bits = 0;
      read = in.ReadLittleEndian64(&bits);
      out->expectation_bits = bits;
    } else if (field == api::Answer::kPerspectiveFieldNumber &&
               type == WireFormat::WIRETYPE_VARINT) {
      read = in.ReadVarint64(&out->perspective);
    } else if (field == api::Answer::kCustomerOrganizationFieldNumber &&
               type == WireFormat::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      read = in.ReadVarint32(&length) && length <= body.size() - in.CurrentPosition();
      if (read) {
        out->customer_organization = body.substr(in.CurrentPosition(), length);
        read = in.Skip(static_cast<int>(length));
      }
    } else {
      read = WireFormat::SkipField(&in, tag);
    }
    if (!read) return false;
  }
  return in.ConsumedEntireMessage();
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
  PutToken(api::ListAnswersResponse::kNextPageTokenFieldNumber, next_page_token, &wire_);
  return std::move(wire_);
}

void AnswerValuesPageWriter::Reserve(size_t answers) {
  // An AnswerValue is some 30 bytes with its framing; runs add a little.
  wire_.reserve(answers * 32);
}

absl::Status AnswerValuesPageWriter::Add(absl::string_view participant_id, const AnswerRecord& r) {
  StoredValue stored;
  if (!ReadStoredValue(r.body, &stored)) return absl::DataLossError("stored answer is unreadable");
  if (!open_ || participant_id != participant_id_ || stored.perspective != perspective_ ||
      stored.customer_organization != customer_organization_) {
    CloseRun();
    open_ = true;
    participant_id_.assign(participant_id.data(), participant_id.size());
    perspective_ = stored.perspective;
    customer_organization_.assign(stored.customer_organization.data(),
                                  stored.customer_organization.size());
  }
  // The round as set_round writes it: a negative int32 takes ten bytes, sign-extended.
  const uint64_t round = static_cast<uint64_t>(static_cast<int64_t>(r.round));
  size_t size = LengthDelimitedSize(api::AnswerValue::kItemIdFieldNumber, r.item_id.size());
  if (stored.response == api::AnswerValue::kValue) {
    size += TagSize(api::AnswerValue::kValueFieldNumber) + 8;
  } else if (stored.response == api::AnswerValue::kNotApplicable) {
    size += TagSize(api::AnswerValue::kNotApplicableFieldNumber) +
            CodedOutputStream::VarintSize64(stored.response_bits);
  }
  if (stored.expectation_bits) size += TagSize(api::AnswerValue::kExpectationValueFieldNumber) + 8;
  if (round != 0) {
    size += TagSize(api::AnswerValue::kRoundFieldNumber) + CodedOutputStream::VarintSize64(round);
  }
  PutTag(api::ParticipantAnswerValues::kAnswersFieldNumber, WireFormat::WIRETYPE_LENGTH_DELIMITED,
         &answers_);
  PutVarint(size, &answers_);
  PutBytes(api::AnswerValue::kItemIdFieldNumber, r.item_id, &answers_);
  if (stored.response == api::AnswerValue::kValue) {
    PutTag(api::AnswerValue::kValueFieldNumber, WireFormat::WIRETYPE_FIXED64, &answers_);
    PutFixed64(stored.response_bits, &answers_);
  } else if (stored.response == api::AnswerValue::kNotApplicable) {
    PutTag(api::AnswerValue::kNotApplicableFieldNumber, WireFormat::WIRETYPE_VARINT, &answers_);
    PutVarint(stored.response_bits, &answers_);
  }
  if (stored.expectation_bits) {
    PutTag(api::AnswerValue::kExpectationValueFieldNumber, WireFormat::WIRETYPE_FIXED64, &answers_);
    PutFixed64(*stored.expectation_bits, &answers_);
  }
  if (round != 0) {
    PutTag(api::AnswerValue::kRoundFieldNumber, WireFormat::WIRETYPE_VARINT, &answers_);
    PutVarint(round, &answers_);
  }
  return absl::OkStatus();
}

void AnswerValuesPageWriter::CloseRun() {
  if (!open_) return;
  open_ = false;
  size_t size = LengthDelimitedSize(api::ParticipantAnswerValues::kParticipantIdFieldNumber,
                                    participant_id_.size()) +
                answers_.size();
  if (perspective_ != 0) {
    size += TagSize(api::ParticipantAnswerValues::kPerspectiveFieldNumber) +
            CodedOutputStream::VarintSize64(perspective_);
  }
  if (!customer_organization_.empty()) {
    size += LengthDelimitedSize(api::ParticipantAnswerValues::kCustomerOrganizationFieldNumber,
                                customer_organization_.size());
  }
  PutTag(api::ListAnswerValuesResponse::kParticipantsFieldNumber,
         WireFormat::WIRETYPE_LENGTH_DELIMITED, &wire_);
  PutVarint(size, &wire_);
  PutBytes(api::ParticipantAnswerValues::kParticipantIdFieldNumber, participant_id_, &wire_);
  if (perspective_ != 0) {
    PutTag(api::ParticipantAnswerValues::kPerspectiveFieldNumber, WireFormat::WIRETYPE_VARINT,
           &wire_);
    PutVarint(perspective_, &wire_);
  }
  if (!customer_organization_.empty()) {
    PutBytes(api::ParticipantAnswerValues::kCustomerOrganizationFieldNumber, customer_organization_,
             &wire_);
  }
  wire_.append(answers_);
  answers_.clear();
}

std::string AnswerValuesPageWriter::Finish(absl::string_view next_page_token) && {
  CloseRun();
  PutToken(api::ListAnswerValuesResponse::kNextPageTokenFieldNumber, next_page_token, &wire_);
  return std::move(wire_);
}

}  // namespace lagom::session
