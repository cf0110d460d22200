<?php

declare(strict_types=1);

namespace Aether\Phase;

/**
 * An error answered by the node's HTTP API ({"error":{"code","message"}}), or
 * a transport failure (httpStatus 0, code "transport").
 */
class PhaseException extends \RuntimeException
{
    public function __construct(
        public readonly string $errorCode,
        string $message,
        public readonly int $httpStatus = 0,
    ) {
        parent::__construct($message, $httpStatus);
    }
}
