# Included from services/questionnaire/CMakeLists.txt after questionnaire_lib is defined: embeds
# each built-in model's JSON (model/builtin/*.json) into questionnaire_lib at build time.
find_package(OpenSSL REQUIRED)  # ContentHash: SHA-256
target_link_libraries(questionnaire_lib PRIVATE OpenSSL::Crypto)

set(_lagom_builtin_gen "${CMAKE_CURRENT_BINARY_DIR}/builtin_models_gen")
# <json file stem> <function returning its text>
set(_lagom_builtin_models lagom_itsm_v1 LagomItsmV1Json)
while(_lagom_builtin_models)
  list(POP_FRONT _lagom_builtin_models _stem _function)
  set(_json "${CMAKE_CURRENT_LIST_DIR}/builtin/${_stem}.json")
  set(_out "${_lagom_builtin_gen}/${_stem}_json.cc")
  add_custom_command(
    OUTPUT "${_out}"
    COMMAND "${CMAKE_COMMAND}" -DIN=${_json} -DOUT=${_out} -DFUNCTION=${_function}
            -P "${CMAKE_CURRENT_LIST_DIR}/embed_json.cmake"
    DEPENDS "${_json}" "${CMAKE_CURRENT_LIST_DIR}/embed_json.cmake"
    COMMENT "Embedding built-in model ${_stem}"
    VERBATIM)
  target_sources(questionnaire_lib PRIVATE "${_out}")
  # The JSON is one string literal, longer than the 65536 characters ISO C++ guarantees; GCC
  # and Clang take it, -Wpedantic would still warn.
  set_source_files_properties("${_out}" PROPERTIES COMPILE_OPTIONS -Wno-overlength-strings)
endwhile()
