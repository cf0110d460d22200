<?php

declare(strict_types=1);

namespace Aether\Phase\Transport;

use Aether\Phase\Manifest;
use Aether\Phase\Receipt;
use Aether\Phase\Result;

/**
 * Runs jobs with a local `plasmd run --quiet --receipt FILE`. stdin is fed
 * to the job, stdout and stderr are read separately (never mixed, so the
 * receipt's commitment can be checked against them), the exit code is
 * plasmd's, which is the job's. The manifest's timeout, memory and fuel
 * become --timeout, --memory and --fuel.
 */
final class LocalTransport implements TransportInterface
{
    public function __construct(private readonly string $plasmdPath = 'plasmd')
    {
    }

    public function execute(string $wasmPath, Manifest $manifest, ?string $input,
                            array $args = [], array $env = []): Result
    {
        if (!is_file($wasmPath)) {
            throw new \InvalidArgumentException("WASM file not found: $wasmPath");
        }
        $receiptPath = tempnam(sys_get_temp_dir(), 'phase-receipt-');
        if ($receiptPath === false) {
            throw new \RuntimeException('Cannot create a temporary receipt file');
        }
        $cmd = [$this->plasmdPath, 'run', '--quiet', '--receipt', $receiptPath,
            '--timeout', (string) ($manifest->getTimeoutSeconds() * 1000),
            '--memory', (string) ($manifest->getMemoryMb() * 1024 * 1024)];
        if ($manifest->getFuel() !== null) {
            array_push($cmd, '--fuel', (string) $manifest->getFuel());
        }
        foreach ($env as $k => $v) {
            array_push($cmd, '--env', $k . '=' . $v);
        }
        $cmd[] = $wasmPath;
        foreach ($args as $a) {
            $cmd[] = (string) $a;
        }
        $started = microtime(true);
        try {
            [$stdout, $stderr, $code] = $this->spawn($cmd, $input ?? '');
            $wallMs = (int) round((microtime(true) - $started) * 1000);
            $receipt = null;
            clearstatcache(true, $receiptPath);
            if (filesize($receiptPath) > 0) {
                $receipt = Receipt::fromFile($receiptPath);
            }
        } finally {
            @unlink($receiptPath);
        }
        if ($code === 2 && $receipt === null) {
            throw new \RuntimeException('plasmd rejected the job: ' . trim($stderr));
        }
        return new Result($stdout, $stderr, $code, $wallMs, $receipt);
    }

    /**
     * Runs argv (no shell), feeding $input and draining both outputs with
     * stream_select so neither pipe can fill up and deadlock.
     *
     * @param list<string> $cmd
     * @return array{0: string, 1: string, 2: int}
     */
    private function spawn(array $cmd, string $input): array
    {
        $spec = [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']];
        $proc = proc_open($cmd, $spec, $pipes);
        if (!is_resource($proc)) {
            throw new \RuntimeException('Cannot start ' . $cmd[0]);
        }
        stream_set_blocking($pipes[0], false);
        stream_set_blocking($pipes[1], false);
        stream_set_blocking($pipes[2], false);
        $out = ['', ''];
        $open = [1 => $pipes[1], 2 => $pipes[2]];
        $pending = $input;
        if ($pending === '') {
            fclose($pipes[0]);
        }
        while ($open) {
            $read = array_values($open);
            $write = $pending !== '' ? [$pipes[0]] : [];
            $except = null;
            if (stream_select($read, $write, $except, 5) === false) {
                break;
            }
            if ($write) {
                $n = fwrite($pipes[0], $pending);
                if ($n === false) {
                    $pending = '';
                } else {
                    $pending = (string) substr($pending, $n);
                }
                if ($pending === '') {
                    fclose($pipes[0]);
                }
            }
            foreach ($read as $r) {
                $i = array_search($r, $open, true);
                $chunk = fread($r, 65536);
                if ($chunk === false || ($chunk === '' && feof($r))) {
                    fclose($r);
                    unset($open[$i]);
                    continue;
                }
                $out[$i - 1] .= $chunk;
            }
        }
        if ($pending !== '') {
            fclose($pipes[0]);
        }
        $code = proc_close($proc);
        return [$out[0], $out[1], $code];
    }
}
