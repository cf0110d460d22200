<?php

declare(strict_types=1);

namespace Aether\Phase;

/**
 * An integer too large for PHP's int (e.g. a u64 above PHP_INT_MAX), kept as
 * its exact decimal digits so canonical JSON re-emits it unchanged instead of
 * as a rounded float.
 */
final class BigInt implements \JsonSerializable
{
    public function __construct(public readonly string $digits)
    {
        if (!preg_match('/^-?(0|[1-9][0-9]*)$/', $digits)) {
            throw new \InvalidArgumentException("Not an integer: $digits");
        }
    }

    public function jsonSerialize(): mixed
    {
        return $this->digits;
    }

    public function __toString(): string
    {
        return $this->digits;
    }
}
