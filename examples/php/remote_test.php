<?php
// Upstream's examples/remote_test.php, working: a node's HTTP API
// (`plasmd start --http 127.0.0.1:8080 --bootstrap ...`) discovers a
// provider, runs hello.wasm there, and the receipt is verified against the
// key discovery reported (or PHASE_EXPECTED_WORKER_PUBKEY when set).
//   php examples/php/remote_test.php [API_URL] [HELLO_WASM]
//   (env: PHASE_API_TOKEN for a node with a bearer token)
declare(strict_types=1);

require_once __DIR__ . '/autoload.php';

use Aether\Phase\Client;
use Aether\Phase\Provider;

$root = dirname(__DIR__, 2);
$url = $argv[1] ?? (getenv('PHASE_API_URL') ?: 'http://127.0.0.1:8080');
$wasm = $argv[2] ?? (getenv('HELLO_WASM') ?: "$root/build/release/examples/hello/hello.wasm");

echo "Phase Remote Execution Test\n";
echo "===========================\n\n";
$client = new Client(['mode' => 'remote', 'url' => $url,
                      'token' => getenv('PHASE_API_TOKEN') ?: null]);
$providers = $client->discover();
if (!$providers) {
    echo "✗ No provider discovered through $url\n";
    exit(1);
}
$p = $providers[0];
$pinned = getenv('PHASE_EXPECTED_WORKER_PUBKEY');
if ($pinned) {
    $p = new Provider($p->peerId, strtolower($pinned), $p->arch);
}
echo "✓ Node discovered: {$p->peerId}\n";
echo "  Architecture: {$p->arch}\n";
echo "  Runtime: {$p->engineVersion}\n";
echo "  Worker key: {$p->pubkey}\n\n";

$events = 0;
$result = $client->submit($wasm, 'Hello, World', $p, [], ['timeout_ms' => 30000],
    function (array $ev) use (&$events): void {
        $events++;
    });
echo "✓ Execution complete ($events events streamed)\n\n";
echo "Result:\n";
echo "  Output: " . trim($result->stdout()) . "\n";
echo "  Exit code: " . $result->exitCode() . "\n";
echo "  Wall time: " . $result->wallTimeMs() . "ms\n\n";
echo "Receipt Verification:\n";
// submit() has already refused a receipt that does not verify; shown again here.
echo ($result->receipt()->verify($p->pubkey) ? "  ✓ Signature valid\n" : "  ✗ Signature invalid\n");
echo ($result->isVerified($p->pubkey) ? "  ✓ Output matches the commitment\n" : "  ✗ Output mismatch\n");
echo "  Job id: " . $result->receipt()->getJobId() . "\n\n";
echo "Test complete!\n";
exit($result->isVerified($p->pubkey) && $result->isSuccess() ? 0 : 1);
