#!/usr/bin/env bash
# The main demo. At this stage: set up, build, show the binaries, and check
# the base module. (Replaced by the Phase hello demo as soon as it lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)"
B=build/release/src/cli
"$B/plasmd" --version
"$B/aetherd" --version
"$B/aether" --version
(cd build/release && ctest -R '^base_' --output-on-failure)
