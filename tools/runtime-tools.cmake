# The runtime's tools. Included from runtime/CMakeLists.txt, not from
# tools/CMakeLists.txt, because they must build without the compiler
# (QF_BUILD_COMPILER=OFF) too.
find_package(CLI11 CONFIG REQUIRED)

# add_quantforge_runtime_tool(name SOURCES... LIBS...): an executable in bin/.
function(add_quantforge_runtime_tool name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} CLI11::CLI11)
  target_compile_options(${name} PRIVATE -fexceptions)
  set_target_properties(${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
endfunction()

add_subdirectory(${PROJECT_SOURCE_DIR}/tools/quant-run
                 ${PROJECT_BINARY_DIR}/tools/quant-run)
add_subdirectory(${PROJECT_SOURCE_DIR}/tools/quant-eval
                 ${PROJECT_BINARY_DIR}/tools/quant-eval)
