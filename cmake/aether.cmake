# Helpers shared by every module, test, fuzz target and benchmark.

# aether_module(<name> SOURCES ... [DEPS <aether modules>] [LIBS <system libs>])
# Builds the static library aether_<name>; headers are included as
# "dir/of/module/header.h" relative to src/.
function(aether_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;LIBS;INCLUDES" ${ARGN})
  add_library(aether_${name} STATIC ${M_SOURCES})
  target_include_directories(aether_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src ${M_INCLUDES})
  foreach(d IN LISTS M_DEPS)
    target_link_libraries(aether_${name} PUBLIC aether_${d})
  endforeach()
  if(M_LIBS)
    target_link_libraries(aether_${name} PUBLIC ${M_LIBS})
  endif()
endfunction()

# aether_unit_test(<name> SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s])
# A cmocka test run by ctest. Tests run from the source root so that
# ../shared is reachable as a relative path.
function(aether_unit_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set(labels unit ${T_LABELS})
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" SKIP_RETURN_CODE 77
    ENVIRONMENT "AETHER_SHARED=${AETHER_SHARED_DIR};AETHER_BUILD=${CMAKE_BINARY_DIR}")
  if(T_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT})
  endif()
endfunction()

# aether_fuzz_target(<name> SOURCES ... LIBS ... [SECONDS n] [CORPUS dir])
# Only built with -DAETHER_FUZZ=ON. Registers a ctest "fuzz_<name>" (label
# fuzz) that runs the target for a short smoke run.
function(aether_fuzz_target name)
  cmake_parse_arguments(F "" "SECONDS;CORPUS" "SOURCES;LIBS" ${ARGN})
  if(NOT AETHER_FUZZ)
    return()
  endif()
  if(NOT F_SECONDS)
    set(F_SECONDS 15)
  endif()
  add_executable(fuzz_${name} ${F_SOURCES})
  target_link_libraries(fuzz_${name} PRIVATE ${F_LIBS})
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  set(corpus_args "")
  if(F_CORPUS)
    set(corpus_args ${F_CORPUS})
  endif()
  add_test(NAME fuzz_${name}
    COMMAND fuzz_${name} -max_total_time=${F_SECONDS} -rss_limit_mb=2048
            -timeout=10 -print_final_stats=1 ${corpus_args}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(fuzz_${name} PROPERTIES LABELS fuzz)
endfunction()

pkg_check_modules(CMOCKA IMPORTED_TARGET cmocka)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(SODIUM IMPORTED_TARGET libsodium)
pkg_check_modules(LIBUV IMPORTED_TARGET libuv)
pkg_check_modules(ZSTD IMPORTED_TARGET libzstd)
pkg_check_modules(PROTOBUFC IMPORTED_TARGET libprotobuf-c)
pkg_check_modules(MHD IMPORTED_TARGET libmicrohttpd)
find_library(ROCKSDB_LIB rocksdb)
