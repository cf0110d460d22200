<?php

declare(strict_types=1);

namespace Aether\Phase;

/**
 * The resource side of a job: module hash ("sha256:<hex>" of the .wasm
 * bytes), memory, timeout and fuel. Field names and defaults of the first
 * five follow upstream's v0.1 manifest (cpu 1, 128 MB, 300 s).
 */
final class Manifest
{
    private function __construct(
        private string $version,
        private string $moduleHash,
        private int $cpuCores,
        private int $memoryMb,
        private int $timeoutSeconds,
        private ?int $fuel = null,
    ) {
    }

    public static function fromWasmFile(string $path): self
    {
        if (!is_file($path)) {
            throw new \InvalidArgumentException("WASM file not found: $path");
        }
        $hash = hash_file('sha256', $path);
        if ($hash === false) {
            throw new \RuntimeException("Cannot read $path");
        }
        return new self('0.1', 'sha256:' . $hash, 1, 128, 300);
    }

    public static function fromJson(string $json): self
    {
        $d = Crypto::decode($json);
        if (!$d instanceof \stdClass) {
            throw new \InvalidArgumentException('A manifest must be a JSON object');
        }
        foreach (['version' => 'is_string', 'module_hash' => 'is_string', 'cpu_cores' => 'is_int',
                  'memory_mb' => 'is_int', 'timeout_seconds' => 'is_int'] as $k => $check) {
            if (!isset($d->{$k}) || !$check($d->{$k})) {
                throw new \InvalidArgumentException("Manifest field '$k' is missing or of the wrong type");
            }
        }
        if (!preg_match('/^sha256:[a-f0-9]{64}$/', $d->module_hash)) {
            throw new \InvalidArgumentException("Manifest field 'module_hash' must be sha256:<64 hex>");
        }
        $m = new self($d->version, $d->module_hash, 1, 1, 1);
        $m->setCpuCores($d->cpu_cores)->setMemoryMb($d->memory_mb)->setTimeoutSeconds($d->timeout_seconds);
        return $m;
    }

    public function toJson(): string
    {
        return json_encode([
            'version' => $this->version,
            'module_hash' => $this->moduleHash,
            'cpu_cores' => $this->cpuCores,
            'memory_mb' => $this->memoryMb,
            'timeout_seconds' => $this->timeoutSeconds,
        ], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }

    public function getModuleHash(): string
    {
        return $this->moduleHash;
    }

    public function getCpuCores(): int
    {
        return $this->cpuCores;
    }

    public function getMemoryMb(): int
    {
        return $this->memoryMb;
    }

    public function getTimeoutSeconds(): int
    {
        return $this->timeoutSeconds;
    }

    public function getFuel(): ?int
    {
        return $this->fuel;
    }

    public function setCpuCores(int $n): self
    {
        if ($n < 1 || $n > 64) {
            throw new \InvalidArgumentException('cpu_cores must be 1..64');
        }
        $this->cpuCores = $n;
        return $this;
    }

    public function setMemoryMb(int $mb): self
    {
        if ($mb < 1 || $mb > 32768) {
            throw new \InvalidArgumentException('memory_mb must be 1..32768');
        }
        $this->memoryMb = $mb;
        return $this;
    }

    public function setTimeoutSeconds(int $s): self
    {
        if ($s < 1 || $s > 3600) {
            throw new \InvalidArgumentException('timeout_seconds must be 1..3600');
        }
        $this->timeoutSeconds = $s;
        return $this;
    }

    public function setFuel(?int $fuel): self
    {
        if ($fuel !== null && $fuel < 1) {
            throw new \InvalidArgumentException('fuel must be positive');
        }
        $this->fuel = $fuel;
        return $this;
    }
}
