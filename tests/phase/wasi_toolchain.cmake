# Finds the wasm32-wasi toolchains the Phase tests use, by trying them once at
# configure time:
#   PHASE_WASI_CC    clang --target=wasm32-wasi --sysroot=/usr (wasi-libc, lld)
#   PHASE_RUSTC_WASI a rustc with the wasm32-wasi std (Debian: rustc +
#                    libstd-rust-dev-wasm32; /usr/bin is preferred over rustup)
#   PHASE_WAT2WASM   wabt's wat2wasm
include_guard(GLOBAL)

set(_probe_dir ${CMAKE_BINARY_DIR}/phase-toolchain-probe)
file(MAKE_DIRECTORY ${_probe_dir})

find_program(PHASE_CLANG NAMES clang clang-14)
set(PHASE_WASI_CC "")
if(PHASE_CLANG)
  file(WRITE ${_probe_dir}/probe.c "#include <stdio.h>\nint main(void){puts(\"x\");return 0;}\n")
  execute_process(COMMAND ${PHASE_CLANG} --target=wasm32-wasi --sysroot=/usr -O2
                          -o ${_probe_dir}/probe.wasm ${_probe_dir}/probe.c
                  RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
  if(_rc EQUAL 0)
    set(PHASE_WASI_CC ${PHASE_CLANG})
  endif()
endif()

find_program(PHASE_RUSTC NAMES rustc PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT PHASE_RUSTC)
  find_program(PHASE_RUSTC NAMES rustc)
endif()
set(PHASE_RUSTC_WASI "")
if(PHASE_RUSTC)
  file(WRITE ${_probe_dir}/probe.rs "fn main() { println!(\"x\"); }\n")
  execute_process(COMMAND ${PHASE_RUSTC} --target wasm32-wasi -O
                          -o ${_probe_dir}/probe_rs.wasm ${_probe_dir}/probe.rs
                  RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
  if(_rc EQUAL 0)
    set(PHASE_RUSTC_WASI ${PHASE_RUSTC})
  endif()
endif()

find_program(PHASE_WAT2WASM wat2wasm)

if(NOT TARGET phase_wasm_programs)
  add_custom_target(phase_wasm_programs ALL)
endif()

# phase_wasi_c_program(<name> <source.c> <outdir>) -> <outdir>/<name>.wasm
function(phase_wasi_c_program name src outdir)
  add_custom_command(OUTPUT ${outdir}/${name}.wasm
    COMMAND ${PHASE_WASI_CC} --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror
            -o ${outdir}/${name}.wasm ${src}
    DEPENDS ${src} COMMENT "Building ${name}.wasm (wasm32-wasi)" VERBATIM)
  add_custom_target(phase_wasm_${name} DEPENDS ${outdir}/${name}.wasm)
  add_dependencies(phase_wasm_programs phase_wasm_${name})
endfunction()
