# Runs the unit-test binary BINARY with QF_TEST_SHARED_DIR set to MISSING, a
# folder that does not exist, as in a clone without ../shared: every test
# that needs the shared data must skip and say which folder is missing; none
# may fail or crash.
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env QF_TEST_SHARED_DIR=${MISSING} ${BINARY}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${BINARY} without ../shared: ${result}\n${output}")
endif()
if(NOT output MATCHES "needs the shared models and data: ${MISSING} does not exist")
  message(FATAL_ERROR "${BINARY} without ../shared skipped nothing\n${output}")
endif()
