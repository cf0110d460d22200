#!/usr/bin/env python3
"""Checks the module layering of DESIGN.md §1 against cmake/modules.txt.

Every quoted #include of a project header under src/ must name either a file of
the including module itself, or the public header of a module the including
module may use; every <...> include of a known library header must be of a
library of the module's row. The same table drives CMake's link dependencies.
Error codes (NAME_Exxx = -N) are defined only in src/base/base.h's
AETHER_ERRORS table (DESIGN.md §3: one error space, a range per module).
Exit status 1 lists every violation.
"""
import os
import re
import sys


# an enumerator or macro defining a negative error code outside base.h
# (JSON-RPC wire codes, -32768..-32000, are a protocol's numbers, not ours)
ERRDEF = re.compile(r"^\s*(?:#define\s+)?([A-Z][A-Z0-9]*_E[A-Z0-9_]+)\s*=?\s*\(?-([0-9]+)")

LIB_HEADERS = {
    "jansson": ["jansson.h"],
    "sodium": ["sodium.h", "sodium/"],
    "openssl": ["openssl/"],
    "uv": ["uv.h", "uv/"],
    "zstd": ["zstd.h"],
    "protobuf-c": ["protobuf-c/"],
    "microhttpd": ["microhttpd.h"],
    "rocksdb": ["rocksdb/"],
    "cbor": ["cbor.h", "cbor/"],
    "valgrind": ["valgrind/"],
    "cmocka": ["cmocka.h"],
}


def load_table(root):
    """cmake/modules.txt -> (module -> allowed modules, module -> allowed libs)."""
    mods, libs = {}, {}
    with open(os.path.join(root, "cmake", "modules.txt"), encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            cols = [c.strip() for c in line.split("|")]
            if len(cols) != 3:
                sys.exit(f"cmake/modules.txt: bad row {line!r}")
            name, uses, lib = cols
            mods[name] = [] if uses == "-" else uses.split()
            libs[name] = [] if lib == "-" else lib.split()
    for m in mods:
        if mods[m] == ["*"]:
            mods[m] = [x for x in mods if x != m]
        if libs[m] == ["*"]:
            libs[m] = list(LIB_HEADERS)
    return mods, libs


ALLOWED, LIBS = {}, {}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SYSINCLUDE = re.compile(r'^\s*#\s*include\s+<([^>]+)>')


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
    mods, libs = load_table(root)
    ALLOWED.update(mods)
    LIBS.update(libs)
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
                    me = ERRDEF.match(line)
                    if me and int(me.group(2)) < 32000 and os.path.relpath(path, src) != os.path.join("base", "base.h"):
                        errors.append(f"{path}:{lineno}: error code {me.group(1)} defined here; "
                                      "it belongs in AETHER_ERRORS (src/base/base.h)")
                    ms = SYSINCLUDE.match(line)
                    if ms:
                        hdr = ms.group(1)
                        for lib, prefixes in LIB_HEADERS.items():
                            if any(hdr == p or (p.endswith("/") and hdr.startswith(p))
                                   for p in prefixes) and lib not in LIBS[mod]:
                                errors.append(f"{path}:{lineno}: module {mod} may not use "
                                              f"library {lib} (<{hdr}>)")
                        continue
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
