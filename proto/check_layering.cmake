# homework_layering_build_test: cmake -DBUILD_DIR=<build folder> -P check_layering.cmake
# Builds the probe (grpc_probe.cc) linking only the messages, which must fail for want of the gRPC
# stubs' header, then linking homework_grpc, which must compile.
execute_process(
  COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target homework_messages_only_probe
  RESULT_VARIABLE messages_only OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(messages_only EQUAL 0)
  message(FATAL_ERROR "a target linking only homework_proto compiled an include of the gRPC stubs")
endif()
if(NOT output MATCHES "homework_service\\.grpc\\.pb\\.h")
  message(FATAL_ERROR "the messages-only probe failed, but not for the stubs' header:\n${output}")
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target homework_grpc_probe
  RESULT_VARIABLE with_stubs OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT with_stubs EQUAL 0)
  message(FATAL_ERROR "the probe does not compile with homework_grpc either:\n${output}")
endif()
message(STATUS "messages only: no gRPC stubs; with homework_grpc: compiles")
