<?php

declare(strict_types=1);

namespace Aether\Phase;

use Aether\Phase\Transport\HttpTransport;
use Aether\Phase\Transport\LocalTransport;
use Aether\Phase\Transport\TransportInterface;

/**
 * Entry point.
 *   local:  `new Client(['plasmd_path' => '/usr/bin/plasmd'])`, then
 *           createJob('hello.wasm')->submit('Hello, World') (runs `plasmd run`);
 *   remote: `new Client(['mode' => 'remote', 'url' => 'http://127.0.0.1:8080',
 *           'token' => ...])` talks to a node's HTTP API (`plasmd start --http`):
 *           discover() lists providers, submit() runs a job on one of them (or
 *           on the node) and verifies its receipt against the provider's key.
 */
final class Client
{
    private TransportInterface $transport;

    /**
     * @param array{mode?: string, plasmd_path?: string, url?: string, token?: string,
     *              timeout?: float, transport?: TransportInterface} $options
     */
    public function __construct(array $options = [])
    {
        if (isset($options['transport'])) {
            $this->transport = $options['transport'];
            return;
        }
        $mode = $options['mode'] ?? 'local';
        $this->transport = match ($mode) {
            'local' => new LocalTransport($options['plasmd_path'] ?? 'plasmd'),
            'remote' => new HttpTransport($options['url'] ?? 'http://127.0.0.1:8080',
                $options['token'] ?? null, (float)($options['timeout'] ?? 120.0)),
            default => throw new \InvalidArgumentException("Unknown mode '$mode'"),
        };
    }

    public function createJob(string $wasmPath): Job
    {
        return new Job($this->transport, $wasmPath);
    }

    public function getTransport(): TransportInterface
    {
        return $this->transport;
    }

    /**
     * Live providers found through the node's DHT (GET /providers), best first.
     * @return list<Provider>
     */
    public function discover(int $timeoutMs = 5000): array
    {
        return array_map([Provider::class, 'fromArray'], $this->http()->providers($timeoutMs));
    }

    /**
     * Runs a module and returns its verified Result.
     *
     * $provider: run on that provider (its receipt must be signed by the key
     * discovery reported, $provider->pubkey); null: run on the node itself,
     * pinned to the node's own key from GET /status. $onEvent: stream the job
     * (called with each JobEvent as an array, in order, while the feed is
     * followed); $onOutput: called with ('stdout'|'stderr', bytes) as the job
     * writes, while it runs (local jobs; a remote job's output arrives when it
     * ends). Without either the call waits for the result in one request.
     * Throws VerificationException when the receipt is not signed by the
     * pinned key or does not commit to the output received, PhaseException
     * for API errors (code "busy", "unknown_module", ...) and jobs that did
     * not run.
     *
     * @param list<string> $args
     * @param array{fuel?: int, memory_bytes?: int, timeout_ms?: int} $limits
     */
    public function submit(string $wasmPath, ?string $stdin = null, ?Provider $provider = null,
                           array $args = [], array $limits = [], ?callable $onEvent = null,
                           ?callable $onOutput = null): Result
    {
        $http = $this->http();
        $wasm = @file_get_contents($wasmPath);
        if ($wasm === false) {
            throw new \RuntimeException("Cannot read $wasmPath");
        }
        $pinned = $provider?->pubkey ?? strtolower((string)$http->status()['pubkey']);
        $job = [
            'module' => $http->uploadModule($wasm),
            'args' => array_values(array_map('strval', $args)),
            'stdin_hex' => bin2hex($stdin ?? ''),
            'target' => $provider?->peerId ?? 'local',
            'wait' => $onEvent === null && $onOutput === null,
        ];
        if ($limits) {
            $job['limits'] = $limits;
        }
        $r = $http->submitJob($job);
        if ($onEvent !== null || $onOutput !== null) {
            $from = $outFrom = $errFrom = 0;
            $deadline = microtime(true) + 3600;
            do {
                $feed = $onOutput !== null
                    ? $http->events($r['id'], $from, 10000, $outFrom, $errFrom)
                    : $http->events($r['id'], $from, 10000);
                if ($onOutput !== null && isset($feed['output'])) {
                    $o = $feed['output'];
                    if ($o['stdout_hex'] !== '') {
                        $onOutput('stdout', (string)hex2bin($o['stdout_hex']));
                    }
                    if ($o['stderr_hex'] !== '') {
                        $onOutput('stderr', (string)hex2bin($o['stderr_hex']));
                    }
                    $outFrom = $o['stdout_next'];
                    $errFrom = $o['stderr_next'];
                }
                foreach ($onEvent !== null ? $feed['events'] : [] as $ev) {
                    $onEvent($ev);
                }
                $from = $feed['next'];
            } while (!$feed['done'] && microtime(true) < $deadline);
            $r = $http->result($r['id']);
        }
        $result = $http->toResult($r);
        if ($provider !== null && ($r['provider'] ?? '') !== $provider->peerId) {
            throw new VerificationException(sprintf('the job ran on %s, not on %s',
                $r['provider'] ?? '?', $provider->peerId));
        }
        if (!$result->isVerified($pinned)) {
            throw new VerificationException("the receipt is not signed by $pinned over this output");
        }
        return $result;
    }

    private function http(): HttpTransport
    {
        if (!$this->transport instanceof HttpTransport) {
            throw new \LogicException("discover() and submit() need mode 'remote' (the HTTP API)");
        }
        return $this->transport;
    }
}
