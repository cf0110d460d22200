#!/bin/sh
# Stands in for a test whose tool was missing when the build was configured
# (registered by aether_skip_test() in cmake/aether.cmake): reports it skipped
# (exit 77) or, in strict mode, failed. With AETHER_INAPPLICABLE=1 the test does
# not apply to this build type (e.g. valgrind on a sanitizer build): always skip.
. "$(dirname "$0")/testenv.sh"
if [ "${AETHER_INAPPLICABLE:-0}" = 1 ]; then
    echo "SKIP: $*"
    exit 77
fi
testenv_missing "$*"
