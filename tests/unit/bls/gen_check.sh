#!/bin/sh
# The committed outputs of the BLS generators are what the generators print:
# src/crypto/bls/gen_consts.py -> consts.c, gen_mul_asm.py -> fp_mul_asm.h.
# A hand edit of either file, or a generator change not re-run, fails here.
# usage: gen_check.sh SOURCE_DIR
set -u
src=${1:?usage: gen_check.sh SOURCE_DIR}
. "$src/tests/common/testenv.sh"
testenv_require_cmd python3 "python3 is not installed (runs the BLS generators)"
dir=$src/src/crypto/bls
out=$(mktemp -d "${TMPDIR:-/tmp}/bls-gen.XXXXXX")
trap 'rm -rf "$out"' EXIT
fails=0
for pair in gen_consts.py:consts.c gen_mul_asm.py:fp_mul_asm.h; do
    gen=${pair%%:*}; file=${pair#*:}
    if ! (cd "$dir" && python3 "$gen") >"$out/$file" 2>"$out/err"; then
        echo "FAIL: $gen failed: $(cat "$out/err")"
        fails=$((fails + 1))
    elif ! cmp -s "$out/$file" "$dir/$file"; then
        echo "FAIL: src/crypto/bls/$file differs from what $gen prints (re-run: cd src/crypto/bls && python3 $gen > $file):"
        diff -u "$dir/$file" "$out/$file" | head -20
        fails=$((fails + 1))
    else
        echo "ok   $file == python3 $gen ($(wc -l <"$dir/$file") lines)"
    fi
done
[ "$fails" -eq 0 ]
