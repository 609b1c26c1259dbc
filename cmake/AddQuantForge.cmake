# Thin wrappers over AddMLIR so that every QuantForge library is declared the
# same way (CIRCT's AddCIRCT.cmake does the same for its tree).

# A dialect or pass library of the compiler: QF<name>.
function(add_quantforge_library name)
  add_mlir_library(QF${name} ${ARGN} DISABLE_INSTALL)
endfunction()

# A dialect library: same as above, registered under the dialect libs property
# so that tools can link "all dialects" without listing them.
function(add_quantforge_dialect_library name)
  set_property(GLOBAL APPEND PROPERTY QF_DIALECT_LIBS QF${name})
  add_quantforge_library(${name} ${ARGN})
endfunction()

# A pass library; registered under the pass libs property.
function(add_quantforge_pass_library name)
  set_property(GLOBAL APPEND PROPERTY QF_PASS_LIBS QF${name})
  add_quantforge_library(${name} ${ARGN})
endfunction()

# Pass declarations and the generated pass reference for one pass group.
# `group` names the generated documentation page (docs/passes/<group>.md).
function(add_quantforge_passes group)
  set(LLVM_TARGET_DEFINITIONS Passes.td)
  mlir_tablegen(Passes.h.inc -gen-pass-decls -name ${group})
  add_public_tablegen_target(QF${group}PassIncGen)
  add_quantforge_doc(Passes ${group}Passes passes/ -gen-pass-doc)
endfunction()

# Generated reference documentation, written to <build>/docs/<subdir>.
function(add_quantforge_doc td_name output_name subdir command)
  set(LLVM_TARGET_DEFINITIONS ${td_name}.td)
  tablegen(MLIR ${output_name}.md ${command} ${ARGN})
  set(doc_file ${PROJECT_BINARY_DIR}/docs/${subdir}${output_name}.md)
  add_custom_command(
    OUTPUT ${doc_file}
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_BINARY_DIR}/${output_name}.md ${doc_file}
    DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/${output_name}.md)
  add_custom_target(${output_name}DocGen DEPENDS ${doc_file})
  add_dependencies(quantforge-doc ${output_name}DocGen)
endfunction()
