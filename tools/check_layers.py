#!/usr/bin/env python3
"""Checks the module layering of DESIGN.md §1.

Every quoted #include of a project header under src/ must name either a file of
the including module itself, or the public header of a module the including
module may use. Exit status 1 lists every violation.
"""
import os
import re
import sys

# module -> modules it may use (its own files are always allowed)
ALLOWED = {
    "base": [],
    "crypto": ["base"],
    "crypto/ecvrf": ["crypto", "base"],
    "crypto/bls": ["crypto", "base"],
    "wasm": ["base"],
    "wasm/wasi": ["wasm", "base"],
    "p2p": ["crypto", "crypto/ecvrf", "crypto/bls", "base"],
    "phase": ["wasm", "wasm/wasi", "p2p", "crypto", "crypto/ecvrf", "crypto/bls", "base"],
    "chain/types": ["crypto", "crypto/ecvrf", "crypto/bls", "base"],
    "chain/state": ["chain/types", "crypto", "crypto/ecvrf", "crypto/bls", "base"],
    "chain/mempool": ["chain/types", "crypto", "crypto/ecvrf", "crypto/bls", "base"],
    "chain/consensus": ["chain/types", "crypto", "crypto/ecvrf", "crypto/bls", "base"],
    "chain/exec": ["chain/state", "chain/types", "phase", "wasm", "wasm/wasi", "crypto",
                   "crypto/ecvrf", "crypto/bls", "base"],
}
CHAIN_ALL = [m for m in ALLOWED if m.startswith("chain/")]
EVERYTHING = ["phase", "p2p", "wasm", "wasm/wasi", "crypto", "crypto/ecvrf", "crypto/bls", "base"]
ALLOWED["chain/rpc"] = CHAIN_ALL + ["chain/node"] + EVERYTHING
ALLOWED["chain/node"] = CHAIN_ALL + ["chain/rpc"] + EVERYTHING
ALLOWED["cli"] = list(ALLOWED.keys())

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def module_of(rel_dir):
    """Longest module prefix of a path relative to src/."""
    best = None
    for m in ALLOWED:
        if rel_dir == m or rel_dir.startswith(m + "/"):
            if best is None or len(m) > len(best):
                best = m
    return best


def public_header(m):
    return m + "/" + m.split("/")[-1] + ".h"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    src = os.path.join(root, "src")
    errors = []
    for dirpath, _, files in os.walk(src):
        rel_dir = os.path.relpath(dirpath, src)
        mod = module_of(rel_dir)
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, f)
            if mod is None:
                errors.append(f"{path}: folder is not a module of DESIGN.md §1")
                continue
            with open(path, encoding="utf-8", errors="replace") as fh:
                for lineno, line in enumerate(fh, 1):
                    mt = INCLUDE.match(line)
                    if not mt:
                        continue
                    inc = mt.group(1)
                    if "/" not in inc:
                        if os.path.exists(os.path.join(dirpath, inc)):
                            continue  # a file of this module's own folder
                        if inc.endswith(".pb-c.h"):
                            continue  # generated protobuf code in the build tree
                        errors.append(f"{path}:{lineno}: \"{inc}\" is not in this folder")
                        continue
                    target = module_of(os.path.dirname(inc))
                    if target is None:
                        errors.append(f"{path}:{lineno}: \"{inc}\" is not in any module")
                    elif target == mod:
                        continue
                    elif target not in ALLOWED[mod]:
                        errors.append(f"{path}:{lineno}: module {mod} may not use {target}")
                    elif inc != public_header(target):
                        errors.append(f"{path}:{lineno}: only {public_header(target)} is public")
    for e in errors:
        print("layering: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
