<?php

declare(strict_types=1);

namespace Aether\Phase;

/**
 * A provider found by discovery (GET /providers): its peer id, the Ed25519
 * key its receipts must be signed with, and its capability record.
 */
final class Provider
{
    /** @param list<string> $addrs */
    public function __construct(
        public readonly string $peerId,
        public readonly string $pubkey,
        public readonly string $arch = '',
        public readonly int $cpuCount = 0,
        public readonly int $maxMemoryBytes = 0,
        public readonly int $maxTimeoutSeconds = 0,
        public readonly int $maxFuel = 0,
        public readonly int $running = 0,
        public readonly int $queued = 0,
        public readonly int $pricePerFuel = 0,
        public readonly string $engineVersion = '',
        public readonly array $addrs = [],
    ) {
        if (!preg_match('/^[0-9a-fA-F]{64}$/', $pubkey)) {
            throw new \InvalidArgumentException('A provider pubkey is 64 hex digits');
        }
    }

    /** @param array<string,mixed> $a one entry of GET /providers */
    public static function fromArray(array $a): self
    {
        foreach (['peer_id', 'pubkey'] as $k) {
            if (!isset($a[$k]) || !is_string($a[$k])) {
                throw new PhaseException('bad_response', "provider entry without '$k'");
            }
        }
        $int = static fn (string $k): int => isset($a[$k]) && is_int($a[$k]) ? $a[$k] : 0;
        return new self($a['peer_id'], strtolower($a['pubkey']), (string)($a['arch'] ?? ''),
            $int('cpu_count'), $int('max_memory_bytes'), $int('max_timeout_seconds'),
            $int('max_fuel'), $int('running'), $int('queued'), $int('price_per_fuel'),
            (string)($a['engine_version'] ?? ''),
            array_values(array_filter($a['addrs'] ?? [], 'is_string')));
    }
}
