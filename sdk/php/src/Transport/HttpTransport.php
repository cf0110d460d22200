<?php

declare(strict_types=1);

namespace Aether\Phase\Transport;

use Aether\Phase\Manifest;
use Aether\Phase\PhaseException;
use Aether\Phase\Receipt;
use Aether\Phase\Result;

/**
 * Talks to the local HTTP API of `plasmd start --http` (docs/phase-http-api.md)
 * with PHP's own HTTP stream wrapper (no extension needed). Every API error
 * becomes a PhaseException carrying the API's code ("busy", "unknown_job",
 * ...) and HTTP status.
 */
final class HttpTransport implements TransportInterface
{
    private string $base;

    public function __construct(string $baseUrl, private readonly ?string $token = null,
                                private readonly float $timeout = 120.0)
    {
        if (!preg_match('#^https?://[^/]+#', $baseUrl)) {
            throw new \InvalidArgumentException("Base URL '$baseUrl' is not http://HOST:PORT");
        }
        $this->base = rtrim($baseUrl, '/');
    }

    /**
     * One request. Returns the decoded JSON answer (an array) for 2xx.
     * @return array<string,mixed>
     */
    public function request(string $method, string $path, ?string $body = null,
                            string $contentType = 'application/json'): array
    {
        [$status, $raw] = $this->requestRaw($method, $path, $body, $contentType);
        $data = $raw === '' ? [] : json_decode($raw, true, 512, JSON_BIGINT_AS_STRING);
        if (!is_array($data)) {
            throw new PhaseException('bad_response', "$method $path: HTTP $status, not JSON", $status);
        }
        if ($status < 200 || $status >= 300) {
            $err = is_array($data['error'] ?? null) ? $data['error'] : [];
            throw new PhaseException((string)($err['code'] ?? 'http_error'),
                (string)($err['message'] ?? "HTTP $status"), $status);
        }
        return $data;
    }

    /**
     * One request; the HTTP status and the body as received.
     * @return array{0: int, 1: string}
     */
    public function requestRaw(string $method, string $path, ?string $body = null,
                               string $contentType = 'application/json'): array
    {
        $headers = ['Accept: application/json', 'Connection: close'];
        if ($body !== null) {
            $headers[] = "Content-Type: $contentType";
            $headers[] = 'Content-Length: ' . strlen($body);
        }
        if ($this->token !== null && $this->token !== '') {
            $headers[] = 'Authorization: Bearer ' . $this->token;
        }
        $ctx = stream_context_create(['http' => [
            'method' => $method,
            'header' => implode("\r\n", $headers),
            'content' => $body ?? '',
            'ignore_errors' => true,
            'timeout' => $this->timeout,
            'protocol_version' => 1.1,
        ]]);
        $http_response_header = [];
        $raw = @file_get_contents($this->base . $path, false, $ctx);
        if ($raw === false) {
            $why = error_get_last()['message'] ?? 'no answer';
            throw new PhaseException('transport', "$method $path: $why");
        }
        $status = 0;
        foreach ($http_response_header as $h) {
            if (preg_match('#^HTTP/\S+\s+(\d{3})#', $h, $m)) {
                $status = (int)$m[1];   // the last status line wins (after a 100)
            }
        }
        return [$status, $raw];
    }

    /** @return array<string,mixed> */
    public function health(): array
    {
        return $this->request('GET', '/health');
    }

    /** @return array<string,mixed> identity, peers, queue, limits */
    public function status(): array
    {
        return $this->request('GET', '/status');
    }

    /** @return array<string,mixed> */
    public function peers(): array
    {
        return $this->request('GET', '/peers');
    }

    /** @return list<array<string,mixed>> */
    public function providers(int $timeoutMs = 5000): array
    {
        return $this->request('GET', '/providers?timeout_ms=' . $timeoutMs)['providers'];
    }

    /** Uploads a module to the node's cache; returns "sha256:<hex>". */
    public function uploadModule(string $wasm): string
    {
        return $this->request('POST', '/modules', $wasm, 'application/wasm')['module'];
    }

    /**
     * POST /jobs with the fields of docs/phase-http-api.md.
     * @param array<string,mixed> $job
     * @return array<string,mixed> the job (202) or, with 'wait' => true, its result
     */
    public function submitJob(array $job): array
    {
        $json = json_encode($job, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
        return $this->request('POST', '/jobs', $json);
    }

    /** @return array<string,mixed> */
    public function job(string $id): array
    {
        return $this->request('GET', '/jobs/' . rawurlencode($id));
    }

    /**
     * The event feed: JobEvents from index $from, waiting up to $waitMs for the
     * job to finish. Returns ['events' => [...], 'next' => n, 'done' => bool, 'state' => s].
     * With $outFrom/$errFrom (live output offsets) the wait also ends when the
     * job has written more, and 'output' => ['stdout_hex', 'stderr_hex',
     * 'stdout_next', 'stderr_next'] carries the new bytes.
     * @return array<string,mixed>
     */
    public function events(string $id, int $from = 0, int $waitMs = 0, ?int $outFrom = null,
                           ?int $errFrom = null): array
    {
        $q = sprintf('/jobs/%s/events?from=%d&wait_ms=%d', rawurlencode($id), $from, $waitMs);
        if ($outFrom !== null || $errFrom !== null) {
            $q .= sprintf('&out_from=%d&err_from=%d', $outFrom ?? 0, $errFrom ?? 0);
        }
        return $this->request('GET', $q);
    }

    /** @return array<string,mixed> */
    public function result(string $id): array
    {
        return $this->request('GET', '/jobs/' . rawurlencode($id) . '/result');
    }

    /** The SignedReceipt exactly as the node sent it (no re-encoding). */
    public function receipt(string $id): Receipt
    {
        $path = '/jobs/' . rawurlencode($id) . '/receipt';
        [$status, $raw] = $this->requestRaw('GET', $path);
        if ($status !== 200) {
            $this->request('GET', $path);   // throws the API's error
        }
        return Receipt::fromJson($raw);
    }

    /** @return array<string,mixed> */
    public function cancel(string $id): array
    {
        return $this->request('POST', '/jobs/' . rawurlencode($id) . '/cancel');
    }

    /** TransportInterface: runs the job on the node (target local) and waits. */
    public function execute(string $wasmPath, Manifest $manifest, ?string $input,
                            array $args = [], array $env = []): Result
    {
        $wasm = @file_get_contents($wasmPath);
        if ($wasm === false) {
            throw new \RuntimeException("Cannot read $wasmPath");
        }
        $job = [
            'module' => $this->uploadModule($wasm),
            'args' => array_values($args),
            'stdin_hex' => bin2hex($input ?? ''),
            'limits' => [
                'memory_bytes' => $manifest->getMemoryMb() * 1024 * 1024,
                'timeout_ms' => $manifest->getTimeoutSeconds() * 1000,
                'fuel' => $manifest->getFuel() ?? 0,
            ],
            'wait' => true,
        ];
        if ($env) {
            $job['env'] = (object)$env;
        }
        return $this->toResult($this->submitJob($job));
    }

    /**
     * A Result from the API's result object; the receipt is fetched as sent
     * (GET /jobs/ID/receipt) so its signed bytes are not re-encoded by PHP.
     * @param array<string,mixed> $r
     */
    public function toResult(array $r): Result
    {
        if (($r['state'] ?? '') === 'error') {
            throw new PhaseException('job_error', 'the job did not run: ' . ($r['error'] ?? '?'));
        }
        $receipt = isset($r['receipt']) && is_array($r['receipt']) ? $this->receipt($r['id']) : null;
        $wall = 0;
        $extra = $r['receipt']['result']['metrics']['total_duration_ms'] ?? 0;
        if (is_int($extra)) {
            $wall = $extra;
        }
        return new Result((string)hex2bin($r['stdout_hex'] ?? ''), (string)hex2bin($r['stderr_hex'] ?? ''),
            (int)($r['exit_code'] ?? 1), $wall, $receipt);
    }
}
