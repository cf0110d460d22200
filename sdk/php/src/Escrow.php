<?php

declare(strict_types=1);

namespace Aether\Phase;

/**
 * Jobs paid through the Aether job escrow (docs/escrow.md): post a Phase job
 * with its payment locked on chain, then wait for its verified result.
 *
 * post() takes the SignedManifest<JobSpec::Wasm> JSON that `plasmd manifest
 * sign` writes (its signature is checked here), computes its JobId
 * (SHA-256 of "phase-manifest:v1:" || canonical JSON of the signed fields),
 * and sends a job_post transaction carrying the module and input inline (so
 * a wrong claim can be challenged by re-execution), signed with the
 * requester's Aether key file (`aether keys new`). The transaction layout is
 * the chain's canonical codec: u8 kind, u64 chain_id, [32] sender_pk,
 * u64 nonce, u128 fee, u32 body_len, body, then Ed25519 over SHA-256 of all
 * of that.
 *
 * waitResult() polls aeth_getJob until the job is finalized, fetches the
 * claim transaction from the block the claim executed in, and trusts the
 * receipt only when: its SHA-256 is the receipt_hash the chain recorded, its
 * signature verifies against the Phase key the provider linked on chain
 * (phase_pk), its job_id is the job's, and its output commitment is the one
 * the chain recorded. A job that ends slashed, expired or cancelled raises a
 * PhaseException naming the status (the payment went back to the requester).
 */
final class Escrow
{
    private const TX_JOB_POST = 0x20;
    private const DEFAULT_FEE = 2000;
    private const MIN_FEE = 1000;
    private const BASE_FEE_MARGIN = 2;
    public const MAX_MODULE = 49152;
    public const MAX_INPUT = 8192;

    private string $seed;
    private string $secretKey;
    private string $publicKey;
    private string $address;
    private ?string $lastTx = null;

    public function __construct(private readonly string $rpcUrl, string $keyFile,
                                private readonly int $timeoutSeconds = 10)
    {
        $raw = @file_get_contents($keyFile);
        if ($raw === false) {
            throw new \InvalidArgumentException("Cannot read key file $keyFile");
        }
        $k = json_decode($raw, false);
        if (!$k instanceof \stdClass || ($k->type ?? null) !== 'ed25519'
            || !is_string($k->secret_seed ?? null) || strlen($k->secret_seed) !== 64
            || !ctype_xdigit($k->secret_seed)) {
            throw new \InvalidArgumentException("$keyFile: not an Aether key file (ed25519, secret_seed)");
        }
        $this->seed = hex2bin($k->secret_seed);
        $kp = sodium_crypto_sign_seed_keypair($this->seed);
        $this->secretKey = sodium_crypto_sign_secretkey($kp);
        $this->publicKey = sodium_crypto_sign_publickey($kp);
        $this->address = bin2hex(substr(hash('sha256', $this->publicKey, true), 0, 20));
        if (isset($k->address) && strtolower((string)$k->address) !== $this->address) {
            throw new \InvalidArgumentException("$keyFile: the address does not belong to the seed");
        }
    }

    public function __destruct()
    {
        sodium_memzero($this->seed);
        sodium_memzero($this->secretKey);
    }

    public function address(): string
    {
        return $this->address;
    }

    /** One JSON-RPC call; PhaseException on a transport failure or a JSON-RPC error. */
    public function call(string $method, array $params = []): mixed
    {
        $body = json_encode(['jsonrpc' => '2.0', 'id' => 1, 'method' => $method, 'params' => $params],
            JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
        $ctx = stream_context_create(['http' => [
            'method' => 'POST',
            'header' => "Content-Type: application/json\r\n",
            'content' => $body,
            'timeout' => $this->timeoutSeconds,
            'ignore_errors' => true,
        ]]);
        $resp = @file_get_contents($this->rpcUrl, false, $ctx);
        if ($resp === false) {
            throw new PhaseException('transport', "Aether node {$this->rpcUrl} cannot be reached ($method)");
        }
        $j = Crypto::decode($resp);
        if (!$j instanceof \stdClass) {
            throw new PhaseException('protocol', "$method: the answer is not a JSON-RPC object");
        }
        if (isset($j->error)) {
            $code = (string)($j->error->code ?? 'error');
            throw new PhaseException($code, "node refused $method: " . ($j->error->message ?? '?'));
        }
        if (!property_exists($j, 'result')) {
            throw new PhaseException('protocol', "$method: no result in the answer");
        }
        return $j->result;
    }

    public function height(): int
    {
        $h = $this->call('aeth_blockNumber');
        if (!is_int($h)) {
            throw new PhaseException('protocol', 'aeth_blockNumber: not a height');
        }
        return $h;
    }

    /** The account's balance (decimal string: u128). */
    public function balance(?string $address = null): string
    {
        $a = $this->call('aeth_getAccount', [$address ?? $this->address]);
        return (string)$a->balance;
    }

    /**
     * JobId of a SignedManifest JSON (after checking its signature) and the
     * wasm module it carries.
     *
     * @return array{0: string, 1: string} [job id hex, module bytes]
     */
    public static function manifestJob(string $manifestJson): array
    {
        $m = Crypto::decode($manifestJson);
        foreach (['payload', 'signer_pubkey', 'signature', 'created_at', 'schema_version'] as $f) {
            if (!$m instanceof \stdClass || !property_exists($m, $f)) {
                throw new \InvalidArgumentException("SignedManifest: missing field '$f'");
            }
        }
        $signed = new \stdClass();
        $signed->created_at = $m->created_at;
        if (property_exists($m, 'expires_at') && $m->expires_at !== null) {
            $signed->expires_at = $m->expires_at;
        }
        $signed->payload = $m->payload;
        $signed->schema_version = $m->schema_version;
        $message = Crypto::MANIFEST_DOMAIN . Crypto::canonicalJson($signed);
        if (!Crypto::verifySignature($message, (string)$m->signature, strtolower((string)$m->signer_pubkey))) {
            throw new VerificationException('SignedManifest: the signature does not verify');
        }
        $p = $m->payload;
        if (!$p instanceof \stdClass || ($p->kind ?? null) !== 'wasm' || !is_array($p->input ?? null)) {
            throw new \InvalidArgumentException('SignedManifest: the payload is not an inline wasm JobSpec');
        }
        foreach ($p->input as $b) {
            if (!is_int($b) || $b < 0 || $b > 255) {
                throw new \InvalidArgumentException('SignedManifest: payload input is not a byte array');
            }
        }
        return [hash('sha256', $message), pack('C*', ...$p->input)];
    }

    private static function u64(int $v): string
    {
        if ($v < 0) {
            throw new \InvalidArgumentException('negative amount');
        }
        return pack('P', $v);
    }

    private static function u128(int $v): string
    {
        return self::u64($v) . str_repeat("\0", 8);
    }

    /**
     * Posts a job: locks $payment; a provider must accept before
     * height + $deadlineBlocks and lock $bond. Options: memory (bytes,
     * default 128 MiB), allow (list of provider addresses, hex), fee (the
     * tx fee; default: feeFor() with the node's next base fee).
     * Returns the job id (hex).
     *
     * @param array{memory?: int, allow?: list<string>, fee?: int} $opts
     */
    public function post(string $manifestJson, string $input, int $payment, int $bond, int $fuel,
                         int $deadlineBlocks, int $window = 10, array $opts = []): string
    {
        [$jobId, $module] = self::manifestJob($manifestJson);
        if (strlen($module) > self::MAX_MODULE || strlen($input) > self::MAX_INPUT) {
            throw new \InvalidArgumentException(sprintf('module (%d bytes) or input (%d bytes) over the '
                . 'on-chain limit (%d / %d)', strlen($module), strlen($input), self::MAX_MODULE, self::MAX_INPUT));
        }
        if ($payment <= 0 || $fuel <= 0 || $deadlineBlocks <= 0 || $window <= 0 || $bond < 0) {
            throw new \InvalidArgumentException('payment, fuel, deadline and window must be positive');
        }
        $allow = array_map('strtolower', $opts['allow'] ?? []);
        sort($allow, SORT_STRING);
        $allowBytes = '';
        foreach ($allow as $a) {
            if (strlen($a) !== 40 || !ctype_xdigit($a)) {
                throw new \InvalidArgumentException("allow: '$a' is not an address (40 hex digits)");
            }
            $allowBytes .= hex2bin($a);
        }
        $body = hex2bin($jobId) . hash('sha256', $module, true) . hash('sha256', $input, true)
            . self::u64($fuel) . self::u64($opts['memory'] ?? (128 << 20))
            . self::u64($this->height() + $deadlineBlocks) . self::u128($payment) . self::u128($bond)
            . pack('V', $window) . pack('V', count($allow)) . $allowBytes
            . pack('V', strlen($module)) . $module . pack('V', strlen($input)) . $input;
        $chainId = $this->call('aeth_chainId');
        $acct = $this->call('aeth_getAccount', [$this->address]);
        if (!is_int($chainId) || !is_int($acct->next_nonce ?? null)) {
            throw new PhaseException('protocol', 'aeth_chainId / aeth_getAccount: unexpected answer');
        }
        $size = 1 + 8 + 32 + 8 + 16 + 4 + strlen($body) + 64;
        if (isset($opts['fee'])) {
            if (!is_int($opts['fee']) || $opts['fee'] <= 0) {
                throw new \InvalidArgumentException('fee must be a positive integer');
            }
            $fee = $opts['fee'];
        } else {
            $next = $this->call('aeth_baseFee')->next_base_fee ?? null;
            if (!is_string($next) || !ctype_digit($next)) {
                throw new PhaseException('protocol', 'aeth_baseFee answered without next_base_fee');
            }
            $fee = self::feeFor($next, $size);
        }
        $unsigned = chr(self::TX_JOB_POST) . self::u64($chainId) . $this->publicKey
            . self::u64($acct->next_nonce) . self::u128($fee) . pack('V', strlen($body)) . $body;
        $hash = hash('sha256', $unsigned, true);
        $raw = $unsigned . sodium_crypto_sign_detached($hash, $this->secretKey);
        $sent = $this->call('aeth_sendRawTransaction', [bin2hex($raw)]);
        if (strtolower((string)$sent) !== bin2hex($hash)) {
            throw new PhaseException('protocol', 'aeth_sendRawTransaction answered another tx hash');
        }
        $this->lastTx = bin2hex($hash);
        return $jobId;
    }

    /**
     * The fee a tx of $size bytes pays by default, as chain/client's
     * chain_client_fee_for: max(2000, 1000 + size) (the tip, and aetherd's
     * floor) + 2 x the next block's base fee x size (a full block raises the
     * base fee by 1/8, so this still pays it 5 full blocks later).
     * $nextBase: aeth_baseFee's next_base_fee (decimal string).
     */
    public static function feeFor(string $nextBase, int $size): int
    {
        if (!ctype_digit($nextBase) || $size < 0) {
            throw new \InvalidArgumentException("feeFor: '$nextBase' is not a base fee");
        }
        $tip = max(self::DEFAULT_FEE, self::MIN_FEE + $size);
        $base = (float)$nextBase * self::BASE_FEE_MARGIN * $size;
        if ($base + $tip >= (float)PHP_INT_MAX) {
            throw new PhaseException('fee', "the base fee $nextBase makes a $size-byte tx's fee "
                . 'larger than this SDK can send (pass opts fee)');
        }
        return $tip + (int)$nextBase * self::BASE_FEE_MARGIN * $size;
    }

    /** The hash (hex) of the last transaction post() sent. */
    public function lastTx(): ?string
    {
        return $this->lastTx;
    }

    /** The job as aeth_getJob answers it, or null. */
    public function job(string $jobId): ?\stdClass
    {
        $j = $this->call('aeth_getJob', [$jobId]);
        return $j instanceof \stdClass ? $j : null;
    }

    /**
     * Waits (polling, bounded by $timeoutSeconds) until the job is finalized,
     * then returns its receipt, verified as the class comment says.
     */
    public function waitResult(string $jobId, int $timeoutSeconds = 60): Receipt
    {
        $deadline = microtime(true) + $timeoutSeconds;
        while (true) {
            $job = $this->job($jobId);
            $status = $job->status ?? 'unknown';
            if ($status === 'finalized') {
                break;
            }
            if (in_array($status, ['slashed', 'expired', 'cancelled'], true)) {
                throw new PhaseException($status, "job $jobId ended $status: the payment went back to the requester");
            }
            if (microtime(true) > $deadline) {
                throw new PhaseException('timeout', "job $jobId is still $status after {$timeoutSeconds}s");
            }
            usleep(100000);
        }
        $block = $this->call('aeth_getBlockByNumber', [$job->claimed_at, true]);
        foreach ($block->transactions ?? [] as $tx) {
            if (($tx->kind ?? '') === 'job_claim' && ($tx->job->job_id ?? '') === $jobId) {
                return self::verifyClaim($job, (string)$tx->job->receipt);
            }
        }
        throw new VerificationException("no claim of job $jobId in block {$job->claimed_at}");
    }

    /**
     * Checks a claimed receipt against the chain's job record (receipt_hash,
     * phase_pk, job id, output commitment); VerificationException naming the
     * first mismatch.
     */
    public static function verifyClaim(\stdClass $job, string $receiptJson): Receipt
    {
        if (hash('sha256', $receiptJson) !== ($job->receipt_hash ?? null)) {
            throw new VerificationException('the receipt is not the one the chain recorded (receipt_hash)');
        }
        $r = Receipt::fromJson($receiptJson);
        if (!$r->verify((string)($job->phase_pk ?? ''))) {
            throw new VerificationException('the receipt is not signed by the Phase key the provider linked on chain');
        }
        if (strtolower($r->getJobId()) !== $job->job_id) {
            throw new VerificationException("the receipt is for job {$r->getJobId()}, not {$job->job_id}");
        }
        $result = $r->getResult();
        $commit = $result->output_commitment ?? null;
        $hex = is_array($commit) ? bin2hex(pack('C*', ...$commit)) : strtolower((string)$commit);
        if ($hex !== $job->output_commitment) {
            throw new VerificationException('the receipt commits to another output than the chain recorded');
        }
        return $r;
    }
}
