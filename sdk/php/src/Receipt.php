<?php

declare(strict_types=1);

namespace Aether\Phase;

/**
 * A Phase receipt: the v1 SignedReceipt<JobResult> envelope plasmd signs, or
 * a legacy v0.1 receipt (read only, never trusted: SEC-03).
 *
 * verify() trusts only a pinned worker key: it rebuilds
 * "phase-receipt:v1:" || canonical_json({completed_at, job_id, result,
 * schema_version}) and checks the Ed25519 signature against that key; the
 * receipt's own worker_pubkey is never the source of trust.
 */
final class Receipt
{
    private function __construct(
        private readonly \stdClass $data,
        private readonly bool $signedEnvelope,
    ) {
    }

    public static function fromJson(string $json): self
    {
        $data = Crypto::decode($json);
        if (!$data instanceof \stdClass) {
            throw new \InvalidArgumentException('A receipt must be a JSON object');
        }
        $v1 = property_exists($data, 'schema_version') && property_exists($data, 'result');
        if ($v1) {
            foreach (['job_id', 'worker_pubkey', 'signature', 'completed_at'] as $field) {
                if (!isset($data->{$field}) || !is_string($data->{$field})) {
                    throw new \InvalidArgumentException("Receipt field '$field' must be a string");
                }
            }
            if (!is_int($data->schema_version) || $data->schema_version < 0) {
                throw new \InvalidArgumentException("Receipt field 'schema_version' must be an integer");
            }
        }
        return new self($data, $v1);
    }

    public static function fromFile(string $path): self
    {
        $json = @file_get_contents($path);
        if ($json === false) {
            throw new \RuntimeException("Cannot read receipt file $path");
        }
        return self::fromJson($json);
    }

    public function isSignedEnvelope(): bool
    {
        return $this->signedEnvelope;
    }

    /** True only for a v1 envelope signed by the pinned key. */
    public function verify(string $pinnedPubkeyHex): bool
    {
        if (!$this->signedEnvelope || $pinnedPubkeyHex === '') {
            return false;
        }
        if ($this->data->schema_version > Crypto::SCHEMA_VERSION) {
            return false;
        }
        $message = Crypto::receiptMessage($this->data->completed_at, $this->data->job_id,
            $this->data->result, $this->data->schema_version);
        return Crypto::verifySignature($message, $this->data->signature, strtolower($pinnedPubkeyHex));
    }

    /** True when the job's stdout and stderr are exactly what the receipt commits to. */
    public function matchesOutput(string $stdout, string $stderr): bool
    {
        $result = $this->getResult();
        if (!$result instanceof \stdClass || !isset($result->output_commitment, $result->output_chunk_count)
            || !is_array($result->output_commitment)) {
            return false;
        }
        [$state, $count] = Crypto::outputCommitment($stdout, $stderr);
        $bytes = array_values(unpack('C*', $state));
        return $bytes === $result->output_commitment && $count === $result->output_chunk_count;
    }

    /**
     * Replays a JobEvent stream (`plasmd run --events`) as a verifier does:
     * Output chunks in seq order from 0 fold to the receipt's commitment and
     * count, Progress events are skipped, and the one Final event, last,
     * carries exactly the signed result.
     */
    public function matchesEvents(string $eventsJson): bool
    {
        $result = $this->getResult();
        $events = Crypto::decode($eventsJson);
        if (!$result instanceof \stdClass || !is_array($events)) {
            return false;
        }
        $state = hash('sha256', Crypto::COMMIT_DOMAIN, true);
        $seq = 0;
        $final = null;
        foreach ($events as $ev) {
            if (!$ev instanceof \stdClass || count(get_object_vars($ev)) !== 1 || $final !== null) {
                return false;
            }
            if (isset($ev->Progress)) {
                continue;
            }
            if (isset($ev->Final)) {
                $final = $ev->Final->result ?? null;
                continue;
            }
            $out = $ev->Output ?? null;
            if (!$out instanceof \stdClass || !is_string($out->kind ?? null) || ($out->seq ?? -1) !== $seq
                || !is_array($out->data ?? null)) {
                return false;
            }
            foreach ($out->data as $b) {
                if (!is_int($b) || $b < 0 || $b > 255) {
                    return false;
                }
            }
            $data = $out->data ? pack('C*', ...$out->data) : '';
            $state = Crypto::fold($state, $seq++, $out->kind, $data);
        }
        return $final !== null
            && array_values(unpack('C*', $state)) === $result->output_commitment
            && $seq === $result->output_chunk_count
            && Crypto::canonicalJson($final) === Crypto::canonicalJson($result);
    }

    public function getSchemaVersion(): int
    {
        return $this->signedEnvelope ? $this->data->schema_version : 0;
    }

    public function getResult(): mixed
    {
        return $this->signedEnvelope ? $this->data->result : null;
    }

    public function getJobId(): string
    {
        return $this->signedEnvelope ? $this->data->job_id : '';
    }

    public function getWorkerPubkey(): string
    {
        return (string) ($this->signedEnvelope ? $this->data->worker_pubkey
            : ($this->data->node_pubkey ?? ''));
    }

    public function getSignature(): string
    {
        return (string) ($this->data->signature ?? '');
    }

    public function getCompletedAt(): string
    {
        return $this->signedEnvelope ? $this->data->completed_at : '';
    }

    /** metrics.extra.module_hash for v1, module_hash for legacy receipts. */
    public function getModuleHash(): string
    {
        if (!$this->signedEnvelope) {
            return (string) ($this->data->module_hash ?? '');
        }
        return (string) ($this->data->result->metrics->extra->module_hash ?? '');
    }

    public function getExitCode(): int
    {
        if (!$this->signedEnvelope) {
            return (int) ($this->data->exit_code ?? 0);
        }
        return (int) ($this->data->result->metrics->extra->exit_code ?? 0);
    }

    public function getWallTimeMs(): int
    {
        if (!$this->signedEnvelope) {
            return (int) ($this->data->wall_time_ms ?? 0);
        }
        return (int) ($this->data->result->metrics->total_duration_ms ?? 0);
    }

    public function getCompletion(): string
    {
        return $this->signedEnvelope ? (string) ($this->data->result->completion ?? '') : '';
    }

    public function toJson(): string
    {
        return json_encode($this->data, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }
}
