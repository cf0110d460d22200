#!/usr/bin/env bash
# The README demo: a WebAssembly job run locally by plasmd, its signed
# receipt, and that receipt verified twice, by plasmd and by the PHP SDK
# against the pinned node key.
#
#   ./scripts/demo.sh          (installs packages, builds build/release, runs)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target plasmd phase_wasm_hello
P=build/release/src/cli/plasmd
HELLO=build/release/examples/hello/hello.wasm
WORK=$(mktemp -d /tmp/phase-demo-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export PLASMD_HOME="$WORK/plasmd"   # a fresh node identity for the demo

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "The node identity (Ed25519 key, libp2p peer id)"
"$P" identity init

step 'echo "Hello, World" | plasmd run --quiet hello.wasm'
echo "Hello, World" | "$P" run --quiet "$HELLO"
echo

step "The same job with a signed receipt"
printf 'Hello, World' | "$P" run --receipt "$WORK/receipt.json" "$HELLO" \
    >"$WORK/stdout" 2>"$WORK/stderr.log"
cat "$WORK/stdout"; echo
cat "$WORK/stderr.log"
# Pretty-printed, with the 32-byte arrays shown on one line.
python3 - "$WORK/receipt.json" <<'PY'
import json, re, sys
text = json.dumps(json.load(open(sys.argv[1])), indent=2)
print(re.sub(r"\[\s*([0-9,\s]+?)\s*\]", lambda m: "[" + "".join(m.group(1).split()) + "]", text))
PY

PUBKEY=$("$P" identity show | sed -n 's/^public key: *//p')

step "plasmd verify (pinned key, and the real output against the commitment)"
: >"$WORK/stderr"
"$P" verify --pubkey "$PUBKEY" --stdout "$WORK/stdout" --stderr "$WORK/stderr" "$WORK/receipt.json"

step "The PHP SDK verifies the same receipt against the pinned key"
php -r '
spl_autoload_register(function ($c) {
    $f = "sdk/php/src/" . str_replace("\\", "/", substr($c, strlen("Aether\\Phase\\"))) . ".php";
    if (is_file($f)) require $f;
});
$r = Aether\Phase\Receipt::fromFile($argv[1]);
$ok = $r->verify($argv[2]) && $r->matchesOutput(file_get_contents($argv[3]), "");
printf("PHP SDK: signature %s, output %s, exit code %d, module %s\n",
    $r->verify($argv[2]) ? "valid" : "INVALID",
    $r->matchesOutput(file_get_contents($argv[3]), "") ? "matches the commitment" : "DOES NOT MATCH",
    $r->getExitCode(), $r->getModuleHash());
exit($ok ? 0 : 1);
' "$WORK/receipt.json" "$PUBKEY" "$WORK/stdout"

step "Tampering with one signed byte makes both reject it"
sed 's/"total_duration_ms":[0-9]*/"total_duration_ms":999999/' "$WORK/receipt.json" >"$WORK/tampered.json"
if "$P" verify --pubkey "$PUBKEY" "$WORK/tampered.json"; then
    echo "unexpected: tampered receipt verified" >&2
    exit 1
fi
php -r '
spl_autoload_register(function ($c) {
    $f = "sdk/php/src/" . str_replace("\\", "/", substr($c, strlen("Aether\\Phase\\"))) . ".php";
    if (is_file($f)) require $f;
});
$ok = Aether\Phase\Receipt::fromFile($argv[1])->verify($argv[2]);
echo "PHP SDK: tampered receipt ", $ok ? "VERIFIED (wrong!)" : "rejected", "\n";
exit($ok ? 1 : 0);
' "$WORK/tampered.json" "$PUBKEY"

step "The PHP SDK running the job itself (LocalTransport -> plasmd run)"
php -r '
spl_autoload_register(function ($c) {
    $f = "sdk/php/src/" . str_replace("\\", "/", substr($c, strlen("Aether\\Phase\\"))) . ".php";
    if (is_file($f)) require $f;
});
$client = new Aether\Phase\Client(["plasmd_path" => $argv[1]]);
$result = $client->createJob($argv[2])->withTimeout(30)->withMemory(64)->submit("Hello, World");
printf("Output: %s\nExit code: %d\nWall time: %d ms\nVerified against the pinned key: %s\n",
    $result->stdout(), $result->exitCode(), $result->wallTimeMs(),
    $result->isVerified($argv[3]) ? "yes" : "NO");
exit($result->isVerified($argv[3]) ? 0 : 1);
' "$P" "$HELLO" "$PUBKEY"
echo
echo "demo: all steps passed"
