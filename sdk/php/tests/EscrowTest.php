<?php

declare(strict_types=1);

namespace Aether\Phase\Tests;

use Aether\Phase\Escrow;
use Aether\Phase\VerificationException;
use PHPUnit\Framework\TestCase;

/**
 * The job escrow through the real binaries: a single-validator aetherd, a
 * provider started with `plasmd start --chain --account`, and the SDK posting
 * a job and waiting for its verified result. Needs AETHERD_BIN, AETHER_BIN,
 * PLASMD_BIN and ESCROW_WASM (rev.wasm), which ctest sets.
 */
final class EscrowTest extends TestCase
{
    private string $dir = '';
    /** @var list<resource> */
    private array $procs = [];

    private static function bin(string $var): string
    {
        $v = getenv($var);
        if ($v === false || $v === '' || !is_file($v)) {
            self::markTestSkipped("$var is not set: the escrow test needs aetherd, aether, plasmd and rev.wasm");
        }
        return $v;
    }

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir() . '/phase-php-escrow-' . bin2hex(random_bytes(6));
        mkdir($this->dir, 0700);
    }

    protected function tearDown(): void
    {
        foreach ($this->procs as $p) {
            proc_terminate($p);
            $deadline = microtime(true) + 5;
            while (proc_get_status($p)['running'] && microtime(true) < $deadline) {
                usleep(20000);
            }
            if (proc_get_status($p)['running']) {
                proc_terminate($p, 9);
            }
            proc_close($p);
        }
        $this->procs = [];
        exec('rm -rf ' . escapeshellarg($this->dir));
    }

    /** @param list<string> $cmd */
    private function exec(array $cmd, array $env = [], string $stdin = ''): string
    {
        $p = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes,
            $this->dir, array_merge(getenv(), $env));
        self::assertIsResource($p);
        fwrite($pipes[0], $stdin);
        fclose($pipes[0]);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $rc = proc_close($p);
        self::assertSame(0, $rc, implode(' ', $cmd) . " failed: $err");
        return $out;
    }

    /** @param list<string> $cmd */
    private function spawn(array $cmd, string $log, array $env = []): void
    {
        $p = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', "$this->dir/$log.out", 'w'],
            2 => ['file', "$this->dir/$log.log", 'w']], $pipes, $this->dir, array_merge(getenv(), $env));
        self::assertIsResource($p);
        $this->procs[] = $p;
    }

    private function identity(string $plasmd, string $home): string
    {
        $out = $this->exec([$plasmd, 'identity', 'init'], ['PLASMD_HOME' => "$this->dir/$home"]);
        $out .= $this->exec([$plasmd, 'identity', 'show'], ['PLASMD_HOME' => "$this->dir/$home"]);
        self::assertSame(1, preg_match('/public key:\s+([0-9a-f]{64})/', $out, $m), $out);
        return $m[1];
    }

    public function testPostAndWaitForVerifiedResult(): void
    {
        $aetherd = self::bin('AETHERD_BIN');
        $aether = self::bin('AETHER_BIN');
        $plasmd = self::bin('PLASMD_BIN');
        $wasm = self::bin('ESCROW_WASM');
        foreach (['val', 'req', 'prov'] as $k) {
            $this->exec([$aether, 'keys', 'new', '--out', "$this->dir/$k.json"]);
        }
        // a fee market whose base fee (40 per byte, never lower) is far above
        // the old fixed defaults (2000, or 1000 + 1 per byte): the SDK's post
        // and every tx of the provider node must follow aeth_baseFee
        $start = 100000000;
        $this->exec([$aetherd, 'init-genesis', '--key', "$this->dir/val.json", '--alloc',
            "$this->dir/req.json=$start", '--alloc', "$this->dir/prov.json=$start", '--stake', '1000000',
            '--staking-param', 'gas_target=100000', '--staking-param', 'initial_base_fee=40',
            '--staking-param', 'min_base_fee=40', '--out', "$this->dir/genesis.json"]);
        $this->spawn([$aetherd, 'run', '--data', "$this->dir/data", '--genesis', "$this->dir/genesis.json",
            '--key', "$this->dir/val.json", '--rpc', '127.0.0.1:0', '--port-file', "$this->dir/port",
            '--block-ms', '50', '--heartbeat-ms', '200'], 'node');
        $deadline = microtime(true) + 15;
        while (!is_file("$this->dir/port") || trim((string)file_get_contents("$this->dir/port")) === '') {
            self::assertLessThan($deadline, microtime(true), 'aetherd did not start');
            usleep(50000);
        }
        $url = 'http://127.0.0.1:' . trim((string)file_get_contents("$this->dir/port"));

        $this->identity($plasmd, 'req-phase');
        $this->exec([$plasmd, 'manifest', 'sign', $wasm, '--out', "$this->dir/manifest.json"],
            ['PLASMD_HOME' => "$this->dir/req-phase"]);
        $provPk = $this->identity($plasmd, 'prov-phase');
        $this->spawn([$plasmd, 'start', '--listen', '/ip4/127.0.0.1/tcp/0', '--chain', $url, '--account',
            "$this->dir/prov.json", '--poll-ms', '100'], 'prov', ['PLASMD_HOME' => "$this->dir/prov-phase"]);

        $escrow = new Escrow($url, "$this->dir/req.json");
        self::assertSame((string)$start, $escrow->balance());
        $jobId = $escrow->post((string)file_get_contents("$this->dir/manifest.json"), 'escrowed input',
            5000, 2000, 10000000, 200, 5);
        $receipt = $escrow->waitResult($jobId, 45);

        // verified against the provider's real Phase key, and it commits to
        // the job's real output (rev.wasm reverses its input)
        self::assertTrue($receipt->verify($provPk));
        self::assertTrue($receipt->matchesOutput(strrev('escrowed input'), ''));
        self::assertFalse($receipt->matchesOutput('escrowed input', ''));
        self::assertSame($jobId, $receipt->getJobId());
        $job = $escrow->job($jobId);
        self::assertSame('finalized', $job->status);
        self::assertSame($provPk, $job->phase_pk);
        // the requester paid the payment and the post's fee, to the unit
        $fee = (int)$escrow->call('aeth_getReceipt', [$escrow->lastTx()])->fee_paid;
        self::assertSame('40', $escrow->call('aeth_baseFee')->next_base_fee);
        $size = (int)$escrow->call('aeth_getTransaction', [$escrow->lastTx()])->size;
        self::assertGreaterThanOrEqual(40 * $size, $fee);
        self::assertSame((string)($start - 5000 - $fee), $escrow->balance());
        self::assertSame((string)($start + 5000), (string)((int)$escrow->balance($job->provider)
            + $this->providerFees($escrow, $job->provider)));
    }

    public function testFeeFor(): void
    {
        self::assertSame(2000, Escrow::feeFor('0', 300));
        self::assertSame(1000 + 1500, Escrow::feeFor('0', 1500));
        self::assertSame(2000 + 2 * 50 * 200, Escrow::feeFor('50', 200));
        $this->expectException(\InvalidArgumentException::class);
        Escrow::feeFor('-1', 10);
    }

    public function testFeeForOverflowIsRefused(): void
    {
        $this->expectException(\Aether\Phase\PhaseException::class);
        Escrow::feeFor('99999999999999999999', 1000);
    }

    /** What the provider's account paid in fees (its txs, block by block). */
    private function providerFees(Escrow $escrow, string $addr): int
    {
        $sum = 0;
        for ($h = 1; $h <= $escrow->height(); $h++) {
            foreach ($escrow->call('aeth_getBlockByNumber', [$h, true])->transactions as $tx) {
                if ($tx->sender === $addr) {
                    $sum += (int)$escrow->call('aeth_getReceipt', [$tx->hash])->fee_paid;
                }
            }
        }
        return $sum;
    }

    public function testClaimVerificationRefusesMismatches(): void
    {
        $plasmd = self::bin('PLASMD_BIN');
        $wasm = self::bin('ESCROW_WASM');
        $pk = $this->identity($plasmd, 'p');
        $other = $this->identity($plasmd, 'q');
        $env = ['PLASMD_HOME' => "$this->dir/p"];
        $this->exec([$plasmd, 'manifest', 'sign', $wasm, '--out', "$this->dir/m.json"], $env);
        $this->exec([$plasmd, 'run', '--quiet', '--manifest', "$this->dir/m.json", '--allow-unauthenticated',
            '--deterministic', '--receipt', "$this->dir/r.json"], $env, 'abc');
        $json = rtrim((string)file_get_contents("$this->dir/r.json"), "\n");
        [$jobId] = Escrow::manifestJob((string)file_get_contents("$this->dir/m.json"));
        $r = json_decode($json, true);
        $job = (object)['job_id' => $jobId, 'phase_pk' => $pk, 'receipt_hash' => hash('sha256', $json),
            'output_commitment' => bin2hex(pack('C*', ...$r['result']['output_commitment']))];
        self::assertSame($jobId, Escrow::verifyClaim($job, $json)->getJobId());

        $bad = [
            'receipt_hash' => [(object)array_merge((array)$job, ['receipt_hash' => str_repeat('0', 64)]), $json],
            'Phase key the provider linked' => [(object)array_merge((array)$job, ['phase_pk' => $other]), $json],
            'receipt is for job' => [(object)array_merge((array)$job, ['job_id' => str_repeat('ab', 32)]), $json],
            'another output' => [(object)array_merge((array)$job, ['output_commitment' => str_repeat('cd', 32)]), $json],
        ];
        $sig = json_decode($json)->signature;
        $forged = str_replace($sig, strrev($sig), $json);
        $bad['Phase key the provider linked (forged)'] =
            [(object)array_merge((array)$job, ['receipt_hash' => hash('sha256', $forged)]), $forged];
        foreach ($bad as $why => [$j, $text]) {
            try {
                Escrow::verifyClaim($j, $text);
                self::fail("accepted a claim with a wrong $why");
            } catch (VerificationException $e) {
                self::assertStringContainsString(preg_replace('/ \(.*\)$/', '', $why), $e->getMessage());
            }
        }
        $this->expectException(VerificationException::class);
        Escrow::manifestJob(str_replace('"signature":"', '"signature":"00', (string)file_get_contents("$this->dir/m.json")));
    }
}
