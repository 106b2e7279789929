# Embeds every file under a folder into a generated C++ source, so the binary carries its
# default templates, static assets and SQL migrations ("embedded defaults").
#
# zr_embed_resources(TARGET <lib> DIR <folder>) creates a static library <lib> that defines
#   zr::resources::Find(std::string_view relative_path) -> std::optional<std::string_view>
#   zr::resources::List(std::string_view prefix) -> std::vector<std::string_view>
# declared in src/common/resources.hpp.
function(zr_embed_resources)
  cmake_parse_arguments(ARG "" "TARGET;DIR" "" ${ARGN})
  file(GLOB_RECURSE files CONFIGURE_DEPENDS RELATIVE ${ARG_DIR} ${ARG_DIR}/*)
  list(SORT files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${ARG_TARGET}_data.cpp)
  set(inputs "")
  foreach(f ${files})
    list(APPEND inputs ${ARG_DIR}/${f})
  endforeach()
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDIR=${ARG_DIR} -DOUT=${out} -P ${PROJECT_SOURCE_DIR}/cmake/GenerateResources.cmake
    DEPENDS ${inputs} ${PROJECT_SOURCE_DIR}/cmake/GenerateResources.cmake
    COMMENT "Embedding resources from ${ARG_DIR}")
  add_library(${ARG_TARGET} STATIC ${out})
  target_include_directories(${ARG_TARGET} PUBLIC ${PROJECT_SOURCE_DIR}/src)
endfunction()
