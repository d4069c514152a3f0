# Script mode (cmake -P): writes OUT_H and OUT_CC embedding DIR/NNNN_name.sql for OWNER.
cmake_minimum_required(VERSION 3.25)
# Called by lagom_embed_migrations in common/CMakeLists.txt.
set(delim "lagom_sql_")  # raw-string delimiters are at most 16 characters
file(GLOB files "${DIR}/*.sql")
list(SORT files)

set(entries "")
set(seen "")
foreach(f IN LISTS files)
  get_filename_component(base "${f}" NAME)
  if(NOT base MATCHES "^([0-9]+)_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "${f}: migration files are named NNNN_name.sql (lower-case name)")
  endif()
  set(name "${CMAKE_MATCH_2}")
  string(REGEX REPLACE "^0+([0-9])" "\\1" version "${CMAKE_MATCH_1}")
  if(version IN_LIST seen)
    message(FATAL_ERROR "${f}: migration version ${version} appears twice")
  endif()
  list(APPEND seen ${version})
  file(READ "${f}" sql)
  string(FIND "${sql}" ")${delim}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${f}: contains the raw-string delimiter )${delim}\"")
  endif()
  string(APPEND entries "      {${version}, \"${name}\", R\"${delim}(${sql})${delim}\"},\n")
endforeach()

file(WRITE "${OUT_H}.tmp" "// Generated from ${OWNER}'s migrations by lagom_embed_migrations. Do not edit.
#pragma once
#include <vector>
#include \"common/migrations.h\"
namespace lagom::${OWNER} {
// Ascending by version.
const std::vector<lagom::Migration>& Migrations();
}  // namespace lagom::${OWNER}
")
file(WRITE "${OUT_CC}.tmp" "// Generated from ${OWNER}'s migrations by lagom_embed_migrations. Do not edit.
#include \"${OWNER}_migrations.h\"
namespace lagom::${OWNER} {
const std::vector<lagom::Migration>& Migrations() {
  static const auto* const kMigrations = new std::vector<lagom::Migration>{
${entries}  };
  return *kMigrations;
}
}  // namespace lagom::${OWNER}
")
# Only touch outputs that changed so dependents are not rebuilt needlessly.
file(COPY_FILE "${OUT_H}.tmp" "${OUT_H}" ONLY_IF_DIFFERENT)
file(COPY_FILE "${OUT_CC}.tmp" "${OUT_CC}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT_H}.tmp" "${OUT_CC}.tmp")
