<?php

declare(strict_types=1);

namespace Aether\Phase\Transport;

use Aether\Phase\Manifest;
use Aether\Phase\Result;

/** Runs a job somewhere and returns its result. */
interface TransportInterface
{
    /**
     * @param list<string> $args          the job's arguments (after argv[0])
     * @param array<string,string> $env   the job's environment
     */
    public function execute(string $wasmPath, Manifest $manifest, ?string $input,
                            array $args = [], array $env = []): Result;
}
