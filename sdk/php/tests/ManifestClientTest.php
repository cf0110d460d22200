<?php

declare(strict_types=1);

namespace Aether\Phase\Tests;

use Aether\Phase\Client;
use Aether\Phase\Manifest;
use Aether\Phase\Transport\LocalTransport;
use PHPUnit\Framework\TestCase;

final class ManifestClientTest extends TestCase
{
    public function testFromWasmFileHashesTheModule(): void
    {
        $path = tempnam(sys_get_temp_dir(), 'wasm');
        file_put_contents($path, "\0asm\1\0\0\0");
        try {
            $m = Manifest::fromWasmFile($path);
            $this->assertSame('sha256:' . hash('sha256', "\0asm\1\0\0\0"), $m->getModuleHash());
            $this->assertSame(1, $m->getCpuCores());
            $this->assertSame(128, $m->getMemoryMb());
            $this->assertSame(300, $m->getTimeoutSeconds());
            $back = Manifest::fromJson($m->toJson());
            $this->assertSame($m->getModuleHash(), $back->getModuleHash());
        } finally {
            unlink($path);
        }
    }

    public function testLimitsAreChecked(): void
    {
        $m = Manifest::fromJson('{"version":"0.1","module_hash":"sha256:' . str_repeat('a', 64)
            . '","cpu_cores":2,"memory_mb":64,"timeout_seconds":10}');
        $this->assertSame(64, $m->getMemoryMb());
        $this->expectException(\InvalidArgumentException::class);
        $m->setTimeoutSeconds(0);
    }

    public function testMalformedManifestJsonThrows(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        Manifest::fromJson('{"version":"0.1","module_hash":"md5:00","cpu_cores":1,"memory_mb":1,"timeout_seconds":1}');
    }

    public function testMissingModuleThrows(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        (new Client())->createJob('/nonexistent/job.wasm');
    }

    public function testModes(): void
    {
        $this->assertInstanceOf(LocalTransport::class, (new Client(['mode' => 'local']))->getTransport());
        $this->expectException(\InvalidArgumentException::class);
        new Client(['mode' => 'carrier-pigeon']);
    }

    public function testRemoteModeTalksHttpAndRefusesABadUrl(): void
    {
        $c = new Client(['mode' => 'remote', 'url' => 'http://127.0.0.1:1']);
        $this->assertInstanceOf(\Aether\Phase\Transport\HttpTransport::class, $c->getTransport());
        $this->expectException(\InvalidArgumentException::class);
        new Client(['mode' => 'remote', 'url' => 'ftp://nowhere']);
    }

    public function testDiscoverNeedsTheRemoteMode(): void
    {
        $this->expectException(\LogicException::class);
        (new Client(['plasmd_path' => '/nonexistent']))->discover();
    }
}
