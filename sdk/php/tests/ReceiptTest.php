<?php

declare(strict_types=1);

namespace Aether\Phase\Tests;

use Aether\Phase\Receipt;
use PHPUnit\Framework\TestCase;

final class ReceiptTest extends TestCase
{
    private string $json;
    private string $pubkey;

    protected function setUp(): void
    {
        $this->json = (string) file_get_contents(__DIR__ . '/fixtures/receipt-v1.json');
        $this->pubkey = trim((string) file_get_contents(__DIR__ . '/fixtures/receipt-v1.pubkey'));
    }

    public function testReceiptSignedByTheCCodeVerifies(): void
    {
        $r = Receipt::fromJson($this->json);
        $this->assertTrue($r->isSignedEnvelope());
        $this->assertTrue($r->verify($this->pubkey));
        $this->assertTrue($r->verify(strtoupper($this->pubkey)));
        $this->assertTrue($r->matchesOutput('dlroW ,olleH', "note: reversed 12 bytes\n"));
        $this->assertSame(0, $r->getExitCode());
        $this->assertSame('stop', $r->getCompletion());
        $this->assertSame(4, $r->getWallTimeMs());
        $this->assertStringStartsWith('sha256:', $r->getModuleHash());
    }

    public function testOtherOutputDoesNotMatchTheCommitment(): void
    {
        $r = Receipt::fromJson($this->json);
        $this->assertFalse($r->matchesOutput('dlroW ,olleh', "note: reversed 12 bytes\n"));
        $this->assertFalse($r->matchesOutput('dlroW ,olleH', ''));
        $this->assertFalse($r->matchesOutput('dlroW ,olleHnote: reversed 12 bytes\n', ''));
    }

    public function testEventStreamReplaysToTheReceipt(): void
    {
        $r = Receipt::fromJson($this->json);
        $events = (string) file_get_contents(__DIR__ . '/fixtures/events-v1.json');
        $this->assertTrue($r->matchesEvents($events));
        // reordered, altered, truncated, or with a different Final: rejected
        $this->assertFalse($r->matchesEvents(str_replace('"seq":1', '"seq":2', $events)));
        $this->assertFalse($r->matchesEvents(str_replace('[100,108,114', '[100,108,115', $events)));
        $this->assertFalse($r->matchesEvents(str_replace('"total_duration_ms":4', '"total_duration_ms":5', $events)));
        $decoded = json_decode($events);
        array_pop($decoded);
        $this->assertFalse($r->matchesEvents((string) json_encode($decoded)));
        $this->assertFalse($r->matchesEvents('{}'));
    }

    public function testPinnedKeyIsTheOnlyTrust(): void
    {
        $r = Receipt::fromJson($this->json);
        $this->assertFalse($r->verify(''));
        $this->assertFalse($r->verify(str_repeat('ab', 32)));
        $this->assertFalse($r->verify('not hex'));
    }

    /** Changing any byte of the signed content makes verification fail. */
    public function testEveryByteOfTheSignedContentIsCovered(): void
    {
        $checked = 0;
        // Flip each digit and hex letter inside the signed fields of the raw text.
        $start = 0;
        $end = strpos($this->json, '"signature"');
        $this->assertNotFalse($end);
        for ($i = $start; $i < $end; $i++) {
            $c = $this->json[$i];
            if (!ctype_xdigit($c)) {
                continue;
            }
            $mut = $this->json;
            $mut[$i] = $c === '1' ? '2' : ($c === 'a' ? 'b' : '1');
            try {
                $r = Receipt::fromJson($mut);
            } catch (\InvalidArgumentException) {
                $checked++;
                continue;
            }
            if ($r->getResult() === null) {
                $checked++;
                continue;
            }
            $this->assertFalse($r->verify($this->pubkey), "byte $i ('$c') is not covered");
            $checked++;
        }
        $this->assertGreaterThan(300, $checked);
    }

    public function testNewerSchemaIsRejected(): void
    {
        $mut = str_replace('"schema_version":1', '"schema_version":2', $this->json);
        $this->assertFalse(Receipt::fromJson($mut)->verify($this->pubkey));
    }

    public function testLegacyReceiptsAreNeverTrusted(): void
    {
        $legacy = '{"version":"0.1","module_hash":"sha256:' . str_repeat('0', 64) . '","exit_code":0,'
            . '"wall_time_ms":1,"timestamp":1,"node_pubkey":"' . $this->pubkey . '","signature":"'
            . str_repeat('0', 128) . '"}';
        $r = Receipt::fromJson($legacy);
        $this->assertFalse($r->isSignedEnvelope());
        $this->assertFalse($r->verify($this->pubkey));
        $this->assertSame(0, $r->getExitCode());
    }

    public function testMalformedReceiptsThrow(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        Receipt::fromJson('{"schema_version":1,"result":{}');
    }

    public function testMissingFieldsThrow(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        Receipt::fromJson('{"schema_version":1,"result":{},"job_id":"x"}');
    }
}
