// Serialized messages in and out of grpc::ByteBuffer, for generic calls and raw-bytes services.
#ifndef LAGOM_COMMON_BYTE_BUFFER_H_
#define LAGOM_COMMON_BYTE_BUFFER_H_

#include <grpcpp/support/byte_buffer.h>

#include <string>

namespace lagom {

grpc::ByteBuffer ToByteBuffer(const std::string& bytes);
std::string FromByteBuffer(const grpc::ByteBuffer& buffer);

}  // namespace lagom

#endif  // LAGOM_COMMON_BYTE_BUFFER_H_
