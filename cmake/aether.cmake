# Helpers shared by every module, test, fuzz target and benchmark.

# Every library of cmake/modules.txt is required: a build never leaves a
# module out because a package is missing (scripts/setup.sh installs them).
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)
pkg_check_modules(LIBUV REQUIRED IMPORTED_TARGET libuv)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(PROTOBUFC REQUIRED IMPORTED_TARGET libprotobuf-c)
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
pkg_check_modules(CBOR IMPORTED_TARGET libcbor)
find_library(ROCKSDB_LIB rocksdb REQUIRED)

# The module table (cmake/modules.txt) is the one source of truth for which
# modules and libraries a module may use; aether_read_module_table() loads it
# and aether_module() links exactly what its row allows.
set(AETHER_LIB_TARGET_jansson PkgConfig::JANSSON)
set(AETHER_LIB_TARGET_sodium PkgConfig::SODIUM)
set(AETHER_LIB_TARGET_openssl PkgConfig::LIBCRYPTO)
set(AETHER_LIB_TARGET_uv PkgConfig::LIBUV)
set(AETHER_LIB_TARGET_zstd PkgConfig::ZSTD)
set(AETHER_LIB_TARGET_protobuf-c PkgConfig::PROTOBUFC)
set(AETHER_LIB_TARGET_microhttpd PkgConfig::MHD)
set(AETHER_LIB_TARGET_rocksdb "${ROCKSDB_LIB}")
set(AETHER_LIB_TARGET_cbor PkgConfig::CBOR)
set(AETHER_LIB_TARGET_valgrind "")
set(AETHER_LIB_TARGET_threads Threads::Threads)
set(AETHER_LIB_TARGET_m m)

# Sets AETHER_MODULE_FOLDERS (in table order) and, per folder F with module
# name N (F with / -> _), AETHER_MODULE_DEPS_N and AETHER_MODULE_LIBS_N.
macro(aether_read_module_table)
  file(STRINGS "${CMAKE_SOURCE_DIR}/cmake/modules.txt" _rows ENCODING UTF-8)
  set(AETHER_MODULE_FOLDERS "")
  foreach(_row IN LISTS _rows)
    string(FIND "${_row}" "#" _hash)
    if(_hash GREATER_EQUAL 0)
      string(SUBSTRING "${_row}" 0 ${_hash} _row)
    endif()
    string(STRIP "${_row}" _row)
    if(_row STREQUAL "")
      continue()
    endif()
    string(REPLACE "|" ";" _cols "${_row}")
    list(LENGTH _cols _n)
    if(NOT _n EQUAL 3)
      message(FATAL_ERROR "cmake/modules.txt: bad row '${_row}'")
    endif()
    list(GET _cols 0 _folder)
    list(GET _cols 1 _uses)
    list(GET _cols 2 _libs)
    string(STRIP "${_folder}" _folder)
    string(STRIP "${_uses}" _uses)
    string(STRIP "${_libs}" _libs)
    string(REPLACE "/" "_" _name "${_folder}")
    separate_arguments(_uses UNIX_COMMAND "${_uses}")
    separate_arguments(_libs UNIX_COMMAND "${_libs}")
    set(_deps "")
    if(NOT _uses STREQUAL "-" AND NOT _uses STREQUAL "*")
      foreach(_u IN LISTS _uses)
        string(REPLACE "/" "_" _u "${_u}")
        list(APPEND _deps ${_u})
      endforeach()
    endif()
    set(_libtargets "")
    if(NOT _libs STREQUAL "-" AND NOT _libs STREQUAL "*")
      foreach(_l IN LISTS _libs)
        if(NOT DEFINED AETHER_LIB_TARGET_${_l})
          message(FATAL_ERROR "cmake/modules.txt: unknown library '${_l}' in the row of ${_folder}")
        endif()
        if(_l STREQUAL "cbor" AND NOT CBOR_FOUND)
          message(FATAL_ERROR "libcbor not found (apt-get install libcbor-dev; scripts/setup.sh)")
        endif()
        list(APPEND _libtargets ${AETHER_LIB_TARGET_${_l}})
      endforeach()
    endif()
    set(AETHER_MODULE_DEPS_${_name} ${_deps})
    set(AETHER_MODULE_LIBS_${_name} ${_libtargets})
    list(APPEND AETHER_MODULE_FOLDERS ${_folder})
  endforeach()
endmacro()

# aether_module(<name> SOURCES ... [INCLUDES dirs])
# Builds the static library aether_<name> for the module folder the call is
# in; its module and library dependencies come from cmake/modules.txt only.
# Headers are included as "dir/of/module/header.h" relative to src/.
function(aether_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;LIBS;INCLUDES" ${ARGN})
  file(RELATIVE_PATH folder "${CMAKE_SOURCE_DIR}/src" "${CMAKE_CURRENT_SOURCE_DIR}")
  string(REPLACE "/" "_" expect "${folder}")
  if(NOT name STREQUAL expect)
    message(FATAL_ERROR "aether_module(${name}) in src/${folder}: the module is named ${expect}")
  endif()
  if(M_DEPS OR M_LIBS)
    message(FATAL_ERROR "aether_module(${name}): DEPS/LIBS come from cmake/modules.txt, "
                        "the one layering table; edit its row for ${folder} instead")
  endif()
  add_library(aether_${name} STATIC ${M_SOURCES})
  target_include_directories(aether_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src ${M_INCLUDES})
  foreach(d IN LISTS AETHER_MODULE_DEPS_${name})
    target_link_libraries(aether_${name} PUBLIC aether_${d})
  endforeach()
  if(AETHER_MODULE_LIBS_${name})
    target_link_libraries(aether_${name} PUBLIC ${AETHER_MODULE_LIBS_${name}})
  endif()
endfunction()

# aether_unit_test(<name> SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s])
# A cmocka test run by ctest. Tests run from the source root so that
# ../shared is reachable as a relative path.
function(aether_unit_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA aether_testenv)
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set(labels unit ${T_LABELS})
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" SKIP_RETURN_CODE 77
    ENVIRONMENT "AETHER_SHARED=${AETHER_SHARED_DIR};AETHER_BUILD=${CMAKE_BINARY_DIR}")
  if(T_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT})
  endif()
endfunction()

# Skip/strict convention of every test (DESIGN.md §8): a test that cannot do
# its work because a tool or datum is missing prints "SKIP: <reason>" and exits
# 77; with CI=true or AETHER_STRICT=1 it fails instead. Helpers for C
# (testenv.h; link aether_testenv), sh (testenv.sh), python (testenv.py) and
# node (testenv.mjs) live in tests/common.
add_library(aether_testenv INTERFACE)
target_include_directories(aether_testenv INTERFACE ${CMAKE_SOURCE_DIR}/tests/common)

# aether_skip_test(<name> <reason> [INAPPLICABLE] [LABELS ...])
# Registers <name> for a test that cannot be built or run because a tool was
# missing at configure time, so it still shows: it reports "SKIP: <reason>"
# (exit 77), or fails in strict mode. INAPPLICABLE: the test does not apply to
# this build type (e.g. valgrind on a sanitizer build) and skips even in strict
# mode, since another build of the same run covers it.
function(aether_skip_test name reason)
  cmake_parse_arguments(S "INAPPLICABLE" "" "LABELS" ${ARGN})
  add_test(NAME ${name} COMMAND sh ${CMAKE_SOURCE_DIR}/tests/common/missing.sh "${reason}")
  set(env "AETHER_INAPPLICABLE=0")
  if(S_INAPPLICABLE)
    set(env "AETHER_INAPPLICABLE=1")
  endif()
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 ENVIRONMENT "${env}")
  if(S_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${S_LABELS}")
  endif()
endfunction()

# aether_find_tool(<VAR> <program> <test names...>) finds a program; when it is
# missing, says which tests will report themselves skipped (use with
# aether_skip_test in the else branch).
function(aether_find_tool var prog)
  find_program(${var} ${prog})
  if(NOT ${var})
    message(STATUS "${prog} not found: ${ARGN} will report SKIP (fail with CI=true)")
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

