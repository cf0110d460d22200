<?php

declare(strict_types=1);

namespace Aether\Phase;

use Aether\Phase\Transport\LocalTransport;
use Aether\Phase\Transport\TransportInterface;

/**
 * Entry point: `new Client(['plasmd_path' => '/usr/bin/plasmd'])`, then
 * createJob('hello.wasm')->submit('Hello, World'). Only the local mode
 * exists so far; a remote mode (a running `plasmd start`) is not written yet.
 */
final class Client
{
    private TransportInterface $transport;

    /** @param array{mode?: string, plasmd_path?: string, transport?: TransportInterface} $options */
    public function __construct(array $options = [])
    {
        if (isset($options['transport'])) {
            $this->transport = $options['transport'];
            return;
        }
        $mode = $options['mode'] ?? 'local';
        $this->transport = match ($mode) {
            'local' => new LocalTransport($options['plasmd_path'] ?? 'plasmd'),
            'remote' => throw new \RuntimeException('Remote transport is not implemented yet'),
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
}
