<?php

declare(strict_types=1);

namespace Aether\Phase;

/**
 * Canonical JSON, the receipt signing message and the output commitment,
 * byte-identical to what plasmd (and upstream Phase's Rust crates) sign.
 *
 * Canonical JSON: object keys sorted byte-wise at every depth, no whitespace,
 * strings escaped as serde_json does (only '"', '\' and control characters;
 * '/' and non-ASCII raw), lists in order, integers exact. Unlike the upstream
 * PHP SDK, JSON is decoded with objects kept as objects, so an empty object
 * stays `{}` instead of turning into `[]`.
 */
final class Crypto
{
    public const RECEIPT_DOMAIN = 'phase-receipt:v1:';
    public const MANIFEST_DOMAIN = 'phase-manifest:v1:';
    public const COMMIT_DOMAIN = 'phase-protocol:v1:commitment';
    public const SCHEMA_VERSION = 1;
    public const CHUNK_MAX = 65536;

    private const STRING_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
        | JSON_UNESCAPED_LINE_TERMINATORS | JSON_THROW_ON_ERROR;

    /**
     * Decodes JSON keeping objects as \stdClass (so {} and [] stay apart) and
     * integers beyond PHP's int range as BigInt (exact digits, not a float).
     */
    public static function decode(string $json): mixed
    {
        try {
            $plain = json_decode($json, false, 512, JSON_THROW_ON_ERROR);
            $big = json_decode($json, false, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        } catch (\JsonException $e) {
            throw new \InvalidArgumentException('Invalid JSON: ' . $e->getMessage(), 0, $e);
        }
        return self::markBigInts($plain, $big);
    }

    /** Where the two decodings disagree (float vs digit string) is a big integer. */
    private static function markBigInts(mixed $plain, mixed $big): mixed
    {
        if (is_float($plain) && is_string($big)) {
            return new BigInt($big);
        }
        if (is_array($plain)) {
            foreach ($plain as $i => $v) {
                $plain[$i] = self::markBigInts($v, $big[$i]);
            }
        } elseif ($plain instanceof \stdClass) {
            foreach (get_object_vars($plain) as $k => $v) {
                $plain->{$k} = self::markBigInts($v, $big->{$k});
            }
        }
        return $plain;
    }

    /** Canonical JSON of a decoded value (objects as \stdClass or assoc arrays). */
    public static function canonicalJson(mixed $v): string
    {
        if ($v === null || is_bool($v) || is_int($v) || is_string($v)) {
            return json_encode($v, self::STRING_FLAGS);
        }
        if ($v instanceof BigInt) {
            return $v->digits;
        }
        if (is_float($v)) {
            if (!is_finite($v)) {
                throw new \InvalidArgumentException('JSON cannot hold NaN or infinity');
            }
            return json_encode($v, self::STRING_FLAGS | JSON_PRESERVE_ZERO_FRACTION);
        }
        if (is_array($v) && array_is_list($v)) {
            return '[' . implode(',', array_map([self::class, 'canonicalJson'], $v)) . ']';
        }
        if (is_array($v) || $v instanceof \stdClass) {
            $fields = is_array($v) ? $v : get_object_vars($v);
            $keys = array_map('strval', array_keys($fields));
            usort($keys, 'strcmp');
            $parts = [];
            foreach ($keys as $k) {
                $parts[] = json_encode($k, self::STRING_FLAGS) . ':'
                    . self::canonicalJson(is_array($v) ? $v[$k] : $v->{$k});
            }
            return '{' . implode(',', $parts) . '}';
        }
        throw new \InvalidArgumentException('Cannot encode a ' . get_debug_type($v) . ' as JSON');
    }

    /** "phase-receipt:v1:" || canonical_json({completed_at, job_id, result, schema_version}). */
    public static function receiptMessage(string $completedAt, string $jobId, mixed $result,
                                          int $schemaVersion): string
    {
        $envelope = new \stdClass();
        $envelope->completed_at = $completedAt;
        $envelope->job_id = $jobId;
        $envelope->result = $result;
        $envelope->schema_version = $schemaVersion;
        return self::RECEIPT_DOMAIN . self::canonicalJson($envelope);
    }

    /** Ed25519 over a message with a hex key and signature; false on malformed hex. */
    public static function verifySignature(string $message, string $signatureHex,
                                           string $pubkeyHex): bool
    {
        if (!ctype_xdigit($pubkeyHex) || strlen($pubkeyHex) !== 2 * SODIUM_CRYPTO_SIGN_PUBLICKEYBYTES
            || !ctype_xdigit($signatureHex) || strlen($signatureHex) !== 2 * SODIUM_CRYPTO_SIGN_BYTES) {
            return false;
        }
        try {
            return sodium_crypto_sign_verify_detached(hex2bin($signatureHex), $message,
                hex2bin($pubkeyHex));
        } catch (\SodiumException) {
            return false;
        }
    }

    /**
     * The streaming output commitment (phase-protocol:v1:commitment) folded
     * over stdout then stderr with plasmd's chunk rule: stdout in chunks of
     * at most 64 KiB (at least one, possibly empty), then stderr chunks (none
     * when empty). Returns [32-byte state, chunk count].
     *
     * @return array{0: string, 1: int}
     */
    public static function outputCommitment(string $stdout, string $stderr): array
    {
        $state = hash('sha256', self::COMMIT_DOMAIN, true);
        $seq = 0;
        $off = 0;
        do {
            $state = self::fold($state, $seq++, 'stdout', substr($stdout, $off, self::CHUNK_MAX));
            $off += self::CHUNK_MAX;
        } while ($off < strlen($stdout));
        for ($off = 0; $off < strlen($stderr); $off += self::CHUNK_MAX) {
            $state = self::fold($state, $seq++, 'stderr', substr($stderr, $off, self::CHUNK_MAX));
        }
        return [$state, $seq];
    }

    /** One step of the commitment chain (reference §2.7). */
    public static function fold(string $state, int $seq, string $kind, string $data): string
    {
        return hash('sha256', $state . pack('J', $seq) . pack('N', strlen($kind)) . $kind
            . pack('N', strlen($data)) . $data, true);
    }
}
