<?php

declare(strict_types=1);

namespace Aether\Phase;

use Aether\Phase\Transport\TransportInterface;

/** A job under construction: module, limits, arguments, environment. */
final class Job
{
    private Manifest $manifest;
    /** @var list<string> */
    private array $args = [];
    /** @var array<string,string> */
    private array $env = [];

    public function __construct(private readonly TransportInterface $transport,
                                private readonly string $wasmPath)
    {
        $this->manifest = Manifest::fromWasmFile($wasmPath);
    }

    public function withCpu(int $cores): self
    {
        $this->manifest->setCpuCores($cores);
        return $this;
    }

    public function withMemory(int $mb): self
    {
        $this->manifest->setMemoryMb($mb);
        return $this;
    }

    public function withTimeout(int $seconds): self
    {
        $this->manifest->setTimeoutSeconds($seconds);
        return $this;
    }

    public function withFuel(int $fuel): self
    {
        $this->manifest->setFuel($fuel);
        return $this;
    }

    /** @param list<string> $args */
    public function withArgs(array $args): self
    {
        $this->args = array_values(array_map('strval', $args));
        return $this;
    }

    public function withEnv(string $key, string $value): self
    {
        if ($key === '' || str_contains($key, '=')) {
            throw new \InvalidArgumentException("Bad environment variable name '$key'");
        }
        $this->env[$key] = $value;
        return $this;
    }

    public function getManifest(): Manifest
    {
        return $this->manifest;
    }

    public function submit(?string $stdin = null): Result
    {
        return $this->transport->execute($this->wasmPath, $this->manifest, $stdin, $this->args,
            $this->env);
    }

    /** Local jobs finish within submit(); wait() is its alias. */
    public function wait(?string $stdin = null): Result
    {
        return $this->submit($stdin);
    }
}
