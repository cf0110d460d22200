<?php

declare(strict_types=1);

namespace Aether\Phase\Tests;

use Aether\Phase\Client;
use PHPUnit\Framework\TestCase;

/**
 * Runs the real plasmd binary. ctest sets PLASMD_BIN and HELLO_WASM; without
 * them (or without a WASI toolchain to build hello.wasm) the tests skip.
 */
final class LocalTransportTest extends TestCase
{
    private static string $home;
    private string $plasmd;
    private string $hello;

    public static function setUpBeforeClass(): void
    {
        self::$home = sys_get_temp_dir() . '/phase-php-' . bin2hex(random_bytes(6));
        putenv('PLASMD_HOME=' . self::$home);
    }

    public static function tearDownAfterClass(): void
    {
        @unlink(self::$home . '/identity.key');
        @rmdir(self::$home);
    }

    protected function setUp(): void
    {
        $this->plasmd = (string) getenv('PLASMD_BIN');
        $this->hello = (string) getenv('HELLO_WASM');
        if ($this->plasmd === '' || !is_executable($this->plasmd)) {
            $this->markTestSkipped('PLASMD_BIN is not set to a plasmd binary');
        }
        if ($this->hello === '' || !is_file($this->hello)) {
            $this->markTestSkipped('HELLO_WASM is not set (no wasm32-wasi toolchain?)');
        }
    }

    private function pubkey(): string
    {
        $out = [];
        exec(escapeshellarg($this->plasmd) . ' identity show', $out, $code);
        $this->assertSame(0, $code);
        foreach ($out as $line) {
            if (preg_match('/^public key:\s+([0-9a-f]{64})$/', $line, $m)) {
                return $m[1];
            }
        }
        $this->fail('no public key in plasmd identity show');
    }

    public function testHelloRunsAndItsReceiptVerifiesAgainstThePinnedKey(): void
    {
        $client = new Client(['plasmd_path' => $this->plasmd]);
        $result = $client->createJob($this->hello)->withTimeout(30)->withMemory(64)->submit('Hello, World');
        $this->assertSame('dlroW ,olleH', $result->stdout());
        $this->assertSame('', $result->stderr());
        $this->assertSame(0, $result->exitCode());
        $this->assertTrue($result->isSuccess());
        $receipt = $result->receipt();
        $this->assertNotNull($receipt);
        $key = $this->pubkey();
        $this->assertTrue($receipt->verify($key));
        $this->assertTrue($result->isVerified($key));
        $this->assertSame('sha256:' . hash_file('sha256', $this->hello), $receipt->getModuleHash());
        $this->assertFalse($receipt->verify(str_repeat('11', 32)));
    }

    public function testLargeInputDoesNotDeadlock(): void
    {
        $in = str_repeat('abcdefgh', 100000);
        $result = (new Client(['plasmd_path' => $this->plasmd]))->createJob($this->hello)->submit($in);
        $this->assertSame(strrev($in), $result->stdout());
        $this->assertTrue($result->isVerified($this->pubkey()));
    }

    public function testFuelLimitGivesItsExitCode(): void
    {
        $result = (new Client(['plasmd_path' => $this->plasmd]))->createJob($this->hello)
            ->withFuel(50)->submit('Hello');
        $this->assertSame(125, $result->exitCode());
        $this->assertSame('error', $result->receipt()?->getCompletion());
    }
}
