# Script mode (cmake -P): writes OUT, a C++ file whose function FUNCTION returns the text of IN
# (a built-in model's JSON) as a std::string_view in namespace lagom::questionnaire::builtin.
cmake_minimum_required(VERSION 3.25)
# Called by builtin_models.cmake.
set(delim "lagom_json_")  # raw-string delimiters are at most 16 characters
file(READ "${IN}" json)
string(FIND "${json}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN}: contains the raw-string delimiter )${delim}\"")
endif()
get_filename_component(source "${IN}" NAME)
file(WRITE "${OUT}.tmp" "// Generated from ${source} by embed_json.cmake. Do not edit.
#include <string_view>
namespace lagom::questionnaire::builtin {
namespace {
constexpr char kJson[] = R\"${delim}(${json})${delim}\";
}  // namespace
std::string_view ${FUNCTION}() { return {kJson, sizeof(kJson) - 1}; }
}  // namespace lagom::questionnaire::builtin
")
# Only touch the output when it changed so dependents are not rebuilt needlessly.
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
