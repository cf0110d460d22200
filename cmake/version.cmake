# The build's version, commit and build type, shared by plasmd, aetherd and aether
# (`plasmd version`, `aetherd --version`, `aether --version`).
#
# Included from the build (aether_version_library below) and run as a script at
# every build (cmake -P), so the commit is the one actually compiled, not the one
# of the last configure. The generated C file is rewritten only when its text
# changes, so an unchanged tree recompiles nothing.
#
# Sources, first match wins:
#   version: -DAETHER_VERSION_STRING=... (debian/rules passes the package version),
#            else `git describe --tags --match v[0-9]*` without the v,
#            else the project() version of CMakeLists.txt.
#   commit:  `git rev-parse HEAD` (+ "-dirty" when tracked files differ),
#            else $AETHER_COMMIT from the environment (a tree without .git),
#            else "unknown".
#   build:   CMAKE_BUILD_TYPE.

if(CMAKE_SCRIPT_MODE_FILE)
  # ---- script mode: compute and write ${OUT} ----
  set(version "${PROJECT_VERSION}")
  find_program(GIT git)
  if(VERSION_OVERRIDE)
    set(version "${VERSION_OVERRIDE}")
  elseif(GIT)
    execute_process(COMMAND ${GIT} -C ${SRC} describe --tags --match "v[0-9]*"
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_QUIET
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(rc EQUAL 0 AND out MATCHES "^v[0-9]")
      string(SUBSTRING "${out}" 1 -1 version)
    endif()
  endif()
  set(commit "unknown")
  set(have_git FALSE)
  if(GIT)
    execute_process(COMMAND ${GIT} -C ${SRC} rev-parse --show-toplevel
                    RESULT_VARIABLE rc OUTPUT_VARIABLE top ERROR_QUIET
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    # Only the project's own repository counts: a tree unpacked inside some
    # other checkout must not report that checkout's commit.
    if(rc EQUAL 0)
      get_filename_component(top "${top}" REALPATH)
      get_filename_component(src_real "${SRC}" REALPATH)
      if(top STREQUAL src_real)
        set(have_git TRUE)
      endif()
    endif()
  endif()
  if(have_git)
    execute_process(COMMAND ${GIT} -C ${SRC} rev-parse HEAD
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_QUIET
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(rc EQUAL 0)
      set(commit "${out}")
      execute_process(COMMAND ${GIT} -C ${SRC} diff --quiet HEAD --
                      RESULT_VARIABLE dirty ERROR_QUIET)
      if(NOT dirty EQUAL 0)
        string(APPEND commit "-dirty")
      endif()
    endif()
  elseif(DEFINED ENV{AETHER_COMMIT} AND NOT "$ENV{AETHER_COMMIT}" STREQUAL "")
    set(commit "$ENV{AETHER_COMMIT}")
  endif()
  if(NOT BUILD_TYPE)
    set(BUILD_TYPE "None")
  endif()
  foreach(v version commit BUILD_TYPE)
    if(NOT "${${v}}" MATCHES "^[A-Za-z0-9.+~:_-]+$")
      message(FATAL_ERROR "version.cmake: ${v} '${${v}}' has characters a version may not")
    endif()
  endforeach()
  set(AETHER_BUILD_VERSION "${version}")
  set(AETHER_BUILD_COMMIT "${commit}")
  set(AETHER_BUILD_TYPE "${BUILD_TYPE}")
  configure_file(${SRC}/cmake/version.c.in ${OUT} @ONLY)
  return()
endif()

# ---- configure mode ----
set(AETHER_VERSION_STRING "" CACHE STRING
    "Version the binaries print (default: git tag, else the project version)")

# aether_version_library(<target>): a static library <target> holding
# aether_build_version/_commit/_type (declared in src/cli/cli.h), regenerated at
# every build.
function(aether_version_library target)
  set(out ${CMAKE_BINARY_DIR}/generated/aether_version.c)
  add_custom_target(${target}_gen
    COMMAND ${CMAKE_COMMAND} -DSRC=${CMAKE_SOURCE_DIR} -DOUT=${out}
            -DPROJECT_VERSION=${PROJECT_VERSION}
            -DVERSION_OVERRIDE=${AETHER_VERSION_STRING}
            -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
            -P ${CMAKE_SOURCE_DIR}/cmake/version.cmake
    BYPRODUCTS ${out}
    COMMENT "Version stamp"
    VERBATIM)
  add_library(${target} STATIC ${out})
  add_dependencies(${target} ${target}_gen)
endfunction()
