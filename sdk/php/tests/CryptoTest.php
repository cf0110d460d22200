<?php

declare(strict_types=1);

namespace Aether\Phase\Tests;

use Aether\Phase\Crypto;
use PHPUnit\Framework\TestCase;

final class CryptoTest extends TestCase
{
    public function testCanonicalJsonSortsKeysBytewiseAtEveryDepth(): void
    {
        // The canonical-bytes fixture of upstream's php_compat_receipt_check.php.
        $v = Crypto::decode('{"zeta":1,"alpha":2,"ratio":0.5,"nested":{"b":3.5,"a":true,"2":"two","10":"ten"}}');
        $this->assertSame('{"alpha":2,"nested":{"10":"ten","2":"two","a":true,"b":3.5},"ratio":0.5,"zeta":1}',
            Crypto::canonicalJson($v));
    }

    /** The same bytes as the C encoder (tests/unit/phase checks this fixture too). */
    public function testCanonicalJsonMatchesTheCEncoderByteForByte(): void
    {
        $in = (string) file_get_contents(__DIR__ . '/fixtures/canonical-input.json');
        $want = (string) file_get_contents(__DIR__ . '/fixtures/canonical-output.json');
        $this->assertSame($want, Crypto::canonicalJson(Crypto::decode($in)));
    }

    public function testHugeIntegersStayExact(): void
    {
        $this->assertSame('[18446744073709551615,-9223372036854775808]',
            Crypto::canonicalJson(Crypto::decode('[18446744073709551615, -9223372036854775808]')));
    }

    public function testEmptyObjectStaysAnObject(): void
    {
        $this->assertSame('{"a":{},"b":[]}', Crypto::canonicalJson(Crypto::decode('{"b":[],"a":{}}')));
    }

    public function testStringsEscapeLikeSerde(): void
    {
        $v = Crypto::decode('"a/b \u00e9 \u2028 \"q\" \\\\ \n\t\u0001"');
        $this->assertSame("\"a/b \u{e9} \u{2028} \\\"q\\\" \\\\ \\n\\t\\u0001\"", Crypto::canonicalJson($v));
    }

    public function testFloatsKeepTheirFraction(): void
    {
        $this->assertSame('[1.0,0.5,-2,3]', Crypto::canonicalJson(Crypto::decode('[1.0,0.5,-2,3]')));
    }

    public function testCommitmentVectorsFromTheReference(): void
    {
        [$s0] = [hash('sha256', Crypto::COMMIT_DOMAIN)];
        $this->assertSame('df9c24d2122b2d72843949a508f401ea85ae9e52de91ff49d40ea6bdf276d1d1', $s0);
        [$state, $n] = Crypto::outputCommitment('dlroW ,olleH', '');
        $this->assertSame('73c4057bc634393a91ff52324024700baae8533dd29dbe88dcad6a56dc46d797', bin2hex($state));
        $this->assertSame(1, $n);
        [$state, $n] = Crypto::outputCommitment('', '');
        $this->assertSame('fa9b4526d069cad21010765604a145c410fc8e16505eb38ef843ce1e3370282e', bin2hex($state));
        $st = hash('sha256', Crypto::COMMIT_DOMAIN, true);
        foreach (['Hello', ', ', 'world!'] as $i => $tok) {
            $st = Crypto::fold($st, $i, 'token', $tok);
        }
        $this->assertSame('0f3e29f947525d058dd3784e0b5a26b59ce8685807e6537efbb8c153582cfb05', bin2hex($st));
    }

    public function testLargeOutputIsChunked(): void
    {
        $big = str_repeat('x', 2 * Crypto::CHUNK_MAX + 1);
        [, $n] = Crypto::outputCommitment($big, 'e');
        $this->assertSame(4, $n);
    }

    public function testMalformedSignatureHexIsFalseNotAnException(): void
    {
        $this->assertFalse(Crypto::verifySignature('m', 'zz', str_repeat('00', 32)));
        $this->assertFalse(Crypto::verifySignature('m', str_repeat('00', 64), 'abc'));
    }
}
