# Precompiled headers: the standard library, Abseil and the contracts' generated messages (and,
# for tests, GoogleTest) parsed once per build instead of once per source file: a Debug build
# from scratch takes about a quarter less (docs/decisions/0025-faster-builds.md). Two donors
# compile them: homework_pch for the product's code, homework_test_pch (the same plus
# GoogleTest) for targets that link GoogleTest; every other C++ target reuses one of them.
# Targets built as position-independent code (what the Janus plugin links), the generated
# contracts, anything compiled without the project's warnings and the libFuzzer build's
# instrumented code compile as before. HOMEWORK_PCH=OFF turns it off.

set(HOMEWORK_PCH_HEADERS
  <algorithm> <functional> <map> <memory> <optional> <string> <utility> <vector>
  <absl/status/status.h> <absl/status/statusor.h> <absl/strings/str_cat.h> <absl/time/time.h>
  <therapy/homework/v1/homework_service.pb.h>)

# The C++ targets defined in `dir` and below it, into `out`.
function(homework_targets_below dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    homework_targets_below("${subdir}" below)
    list(APPEND targets ${below})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Called once, after every target is defined.
function(homework_precompile_common_headers)
  set(source "${CMAKE_BINARY_DIR}/homework_pch.cc")
  file(WRITE "${source}" "// The precompiled headers' donor; nothing of its own.\n")
  add_library(homework_pch OBJECT "${source}")
  target_link_libraries(homework_pch PRIVATE homework_proto absl::status absl::statusor
    absl::strings absl::time homework_warnings)
  target_precompile_headers(homework_pch PRIVATE ${HOMEWORK_PCH_HEADERS})
  add_library(homework_test_pch OBJECT "${source}")
  target_link_libraries(homework_test_pch PRIVATE homework_proto absl::status absl::statusor
    absl::strings absl::time GTest::gmock homework_warnings)
  target_precompile_headers(homework_test_pch PRIVATE ${HOMEWORK_PCH_HEADERS}
    <gmock/gmock.h> <gtest/gtest.h>)

  homework_targets_below("${PROJECT_SOURCE_DIR}" targets)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    get_target_property(pic ${target} POSITION_INDEPENDENT_CODE)
    if(NOT type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|OBJECT_LIBRARY)$" OR pic
       OR target MATCHES "^homework_(proto|grpc|pch|test_pch)$")
      continue()
    endif()
    # Code instrumented for libFuzzer on its own cannot read a header precompiled without that
    # instrumentation (the sanitizer build's options are everyone's, the donors' included).
    get_target_property(sources ${target} SOURCES)
    get_target_property(options ${target} COMPILE_OPTIONS)
    if(NOT sources MATCHES "\\.cc(;|$)" OR options MATCHES "-fsanitize=fuzzer")
      continue()
    endif()
    # A header precompiled with other warning options is refused (-Wpedantic changes the
    # predefined macros), so only the project's own code, compiled with homework_warnings as
    # the donors are, reuses them.
    get_target_property(links ${target} LINK_LIBRARIES)
    if(NOT "homework_warnings" IN_LIST links)
      continue()
    elseif(links MATCHES "GTest::")
      target_precompile_headers(${target} REUSE_FROM homework_test_pch)
    else()
      target_precompile_headers(${target} REUSE_FROM homework_pch)
    endif()
  endforeach()
endfunction()
