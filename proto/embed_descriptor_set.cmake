# Script mode (cmake -P): writes OUT, a C++ source defining the bytes of the file IN as
#   extern const unsigned char kLagomApiDescriptorSet[]; extern const size_t kLagomApiDescriptorSetSize;
# Called by proto/CMakeLists.txt for the API's descriptor set.
cmake_minimum_required(VERSION 3.25)
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_length)
if(hex_length EQUAL 0)
  message(FATAL_ERROR "${IN} is empty")
endif()
# 32 bytes a line keeps the file readable by editors and diff tools.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "// Generated from the Lagom API's descriptor set by embed_descriptor_set.cmake. Do not edit.
#include <cstddef>
extern const unsigned char kLagomApiDescriptorSet[];
extern const std::size_t kLagomApiDescriptorSetSize;
const unsigned char kLagomApiDescriptorSet[] = {
${bytes}
};
const std::size_t kLagomApiDescriptorSetSize = sizeof(kLagomApiDescriptorSet);
")
file(RENAME "${OUT}.tmp" "${OUT}")
