# aether_contract(<name> SOURCES <file.c>... [DEPENDS <header>...] [OUTPUT_VAR <var>])
#
# Builds a contract (a WASM module for Aether's contract runtime) from C with
# clang --target=wasm32 -nostdlib and wasm-ld (lld): <binary dir>/<name>.wasm,
# target <name>_wasm. The SDK header aether_contract.h is on the include path.
# Sets AETHER_CONTRACT_TOOLS_FOUND (in the caller's scope) to FALSE when clang
# or wasm-ld is missing; then nothing is built and the caller reports SKIP.
set(AETHER_CONTRACT_SDK_DIR ${CMAKE_CURRENT_LIST_DIR})
find_program(AETHER_CONTRACT_CLANG NAMES clang clang-14)
find_program(AETHER_CONTRACT_WASM_LD NAMES wasm-ld wasm-ld-14)

function(aether_contract name)
  cmake_parse_arguments(C "" "OUTPUT_VAR" "SOURCES;DEPENDS" ${ARGN})
  if(NOT AETHER_CONTRACT_CLANG OR NOT AETHER_CONTRACT_WASM_LD)
    set(AETHER_CONTRACT_TOOLS_FOUND FALSE PARENT_SCOPE)
    return()
  endif()
  set(AETHER_CONTRACT_TOOLS_FOUND TRUE PARENT_SCOPE)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm)
  set(srcs "")
  foreach(s ${C_SOURCES})
    get_filename_component(abs ${s} ABSOLUTE)
    list(APPEND srcs ${abs})
  endforeach()
  add_custom_command(OUTPUT ${out}
    COMMAND ${AETHER_CONTRACT_CLANG} --target=wasm32 -nostdlib -O2 -Wall -Wextra -Werror
            -I${AETHER_CONTRACT_SDK_DIR}
            -Wl,--no-entry -Wl,--strip-all -o ${out} ${srcs}
    DEPENDS ${srcs} ${C_DEPENDS} ${AETHER_CONTRACT_SDK_DIR}/aether_contract.h VERBATIM)
  add_custom_target(${name}_wasm ALL DEPENDS ${out})
  if(C_OUTPUT_VAR)
    set(${C_OUTPUT_VAR} ${out} PARENT_SCOPE)
  endif()
endfunction()
