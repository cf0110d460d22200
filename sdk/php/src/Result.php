<?php

declare(strict_types=1);

namespace Aether\Phase;

/** What a job produced: its output, exit code, wall time and receipt. */
final class Result
{
    public function __construct(
        private readonly string $stdout,
        private readonly string $stderr,
        private readonly int $exitCode,
        private readonly int $wallTimeMs,
        private readonly ?Receipt $receipt,
    ) {
    }

    public function stdout(): string
    {
        return $this->stdout;
    }

    public function stderr(): string
    {
        return $this->stderr;
    }

    public function exitCode(): int
    {
        return $this->exitCode;
    }

    public function wallTimeMs(): int
    {
        return $this->wallTimeMs;
    }

    public function receipt(): ?Receipt
    {
        return $this->receipt;
    }

    public function isSuccess(): bool
    {
        return $this->exitCode === 0;
    }

    /**
     * True when the receipt is signed by the pinned worker key and commits to
     * exactly this stdout and stderr.
     */
    public function isVerified(string $pinnedPubkeyHex): bool
    {
        return $this->receipt !== null && $this->receipt->verify($pinnedPubkeyHex)
            && $this->receipt->matchesOutput($this->stdout, $this->stderr);
    }
}
