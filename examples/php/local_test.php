<?php
// Upstream's examples/local_test.php, on the Aether SDK: runs hello.wasm with
// `plasmd run` (the local transport) and prints the reversed input.
//   php examples/php/local_test.php [PLASMD] [HELLO_WASM]
declare(strict_types=1);

require_once __DIR__ . '/autoload.php';

use Aether\Phase\Client;

$root = dirname(__DIR__, 2);
$plasmd = $argv[1] ?? (getenv('PLASMD_BIN') ?: "$root/build/release/src/cli/plasmd");
$wasm = $argv[2] ?? (getenv('HELLO_WASM') ?: "$root/build/release/examples/hello/hello.wasm");

echo "Phase Local WASM Execution Demo\n";
echo "================================\n\n";
echo "1. Creating job for " . basename($wasm) . "...\n";
$client = new Client(['mode' => 'local', 'plasmd_path' => $plasmd]);
$job = $client->createJob($wasm)->withCpu(1)->withMemory(128)->withTimeout(30);
echo "2. Submitting job with input: 'Hello, World'\n";
$result = $job->submit('Hello, World');
echo "3. Execution complete!\n\n";
echo "Results:\n--------\n";
echo "Output: " . trim($result->stdout()) . "\n";
echo "Exit code: " . $result->exitCode() . "\n";
echo "Wall time: " . $result->wallTimeMs() . "ms\n";
echo "Execution trusted via local transport context (no remote signature).\n\n";
if ($result->isSuccess()) {
    echo "✓ Success!\n";
    exit(0);
}
echo "✗ Failed with exit code " . $result->exitCode() . "\n";
exit(1);
