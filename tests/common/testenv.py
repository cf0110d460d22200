"""Test environment helper for python tests (DESIGN.md §8, issue 11).

A test that cannot do its work because a tool or datum is missing prints
"SKIP: <reason>" and exits 77, never 0; in strict mode (CI=true, as CI runs,
or AETHER_STRICT=1, which `scripts/test.sh --strict` exports) it prints what is
missing and fails (exit 1).

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
    import testenv
    testenv.require_tool("ip", "mDNS test needs iproute2")
    path = testenv.require_shared("testdata/vectors/x.json")
"""
import os
import shutil
import sys

SKIP_CODE = 77


def strict():
    st = os.environ.get("AETHER_STRICT", "")
    return os.environ.get("CI") == "true" or (st != "" and st != "0")


def shared_dir():
    return os.environ.get("AETHER_SHARED") or "../shared"


def missing(reason):
    """Leaves the test: exit 77 (skip), or 1 in strict mode."""
    if strict():
        print("MISSING (strict mode: CI=true or AETHER_STRICT=1): " + reason, file=sys.stderr, flush=True)
        sys.exit(1)
    print("SKIP: " + reason, flush=True)
    sys.exit(SKIP_CODE)


def require_tool(name, reason=None):
    path = shutil.which(name)
    if not path:
        missing(reason or name + " is not installed")
    return path


def require_shared(rel):
    path = os.path.join(shared_dir(), rel)
    if not os.path.isfile(path):
        missing(path + " not found (shared test data absent)")
    return path
