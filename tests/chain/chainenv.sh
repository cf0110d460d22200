# Helpers shared by the chain integration scripts (sourced after
# tests/common/testenv.sh). The script sets T, its temp dir, before calling fail.

# fail MSG: the message and the tail of $T/node.log, exit 1
fail() { echo "FAIL: $*" >&2; [ -f "$T/node.log" ] && tail -5 "$T/node.log" >&2; exit 1; }
# jget EXPR: EXPR (e.g. "['result']['height']") of the JSON on stdin
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }
# u128 N: N as 16 little-endian bytes in hex (the contracts' amount encoding)
u128() { python3 -c "import sys; print(int(sys.argv[1]).to_bytes(16, 'little').hex())" "$1"; }
