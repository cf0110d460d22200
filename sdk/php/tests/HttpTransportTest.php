<?php

declare(strict_types=1);

namespace Aether\Phase\Tests;

use Aether\Phase\Client;
use Aether\Phase\PhaseException;
use Aether\Phase\Provider;
use Aether\Phase\Transport\HttpTransport;
use Aether\Phase\VerificationException;
use PHPUnit\Framework\TestCase;

/**
 * The remote mode against real nodes started here: provider B, and node A
 * serving the HTTP API (`plasmd start --http`) bootstrapped through B. ctest
 * sets PLASMD_BIN and HELLO_WASM; without them the tests skip.
 */
final class HttpTransportTest extends TestCase
{
    private static ?PlasmdNode $b = null;
    private static ?PlasmdNode $a = null;
    private static string $hello = '';

    public static function setUpBeforeClass(): void
    {
        $plasmd = (string)getenv('PLASMD_BIN');
        self::$hello = (string)getenv('HELLO_WASM');
        if ($plasmd === '' || !is_executable($plasmd) || self::$hello === '' || !is_file(self::$hello)) {
            return;
        }
        self::$b = new PlasmdNode($plasmd, []);
        self::$a = new PlasmdNode($plasmd, ['--http', '127.0.0.1:0', '--bootstrap',
            self::$b->info['listen'][0]]);
    }

    public static function tearDownAfterClass(): void
    {
        self::$a?->stop();
        self::$b?->stop();
        self::$a = self::$b = null;
    }

    protected function setUp(): void
    {
        if (self::$a === null) {
            $this->markTestSkipped('PLASMD_BIN or HELLO_WASM is not set (no wasm32-wasi toolchain?)');
        }
    }

    private function client(): Client
    {
        return new Client(['mode' => 'remote', 'url' => self::$a->url(), 'timeout' => 60]);
    }

    /** Discovery, retried while B's capability record reaches the DHT. */
    private function providerB(Client $c): Provider
    {
        $deadline = microtime(true) + 20;
        do {
            foreach ($c->discover(3000) as $p) {
                if ($p->peerId === self::$b->info['peer_id']) {
                    return $p;
                }
            }
            usleep(300000);
        } while (microtime(true) < $deadline);
        $this->fail('discovery did not find provider B');
    }

    public function testStatusAndHealth(): void
    {
        $t = $this->client()->getTransport();
        $this->assertInstanceOf(HttpTransport::class, $t);
        $this->assertSame('ok', $t->health()['status']);
        $s = $t->status();
        $this->assertSame(self::$a->info['peer_id'], $s['peer_id']);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{64}$/', $s['pubkey']);
        $this->assertArrayHasKey('limits', $s);
        $this->assertGreaterThanOrEqual(1, $t->peers()['connections']);
    }

    public function testDiscoverAndSubmitOnTheProviderVerifiesItsReceipt(): void
    {
        $c = $this->client();
        $b = $this->providerB($c);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{64}$/', $b->pubkey);
        $this->assertGreaterThan(0, $b->maxFuel);
        $r = $c->submit(self::$hello, 'Hello, World', $b);
        $this->assertSame('dlroW ,olleH', $r->stdout());
        $this->assertSame(0, $r->exitCode());
        $this->assertTrue($r->isVerified($b->pubkey));
        $own = $this->client()->getTransport()->status()['pubkey'];
        $this->assertFalse($r->isVerified($own), 'pinned to B, not to the node that relayed it');
        $this->assertFalse($r->receipt()->matchesOutput('dlroW ,olleh', ''));
    }

    public function testAReceiptFromAnotherKeyThanDiscoveryReportedIsRefused(): void
    {
        $c = $this->client();
        $b = $this->providerB($c);
        $own = $c->getTransport()->status()['pubkey'];
        $liar = new Provider($b->peerId, $own);   // B's id with someone else's key
        $this->expectException(VerificationException::class);
        $c->submit(self::$hello, 'x', $liar);
    }

    public function testStreamingDeliversTheEventsTheReceiptCommitsTo(): void
    {
        $c = $this->client();
        $events = [];
        $r = $c->submit(self::$hello, 'abc', null, [], ['timeout_ms' => 20000],
            function (array $ev) use (&$events): void {
                $events[] = $ev;
            });
        $this->assertSame('cba', $r->stdout());
        $this->assertGreaterThanOrEqual(2, count($events));
        $this->assertArrayHasKey('Output', $events[0]);
        $this->assertArrayHasKey('Final', $events[count($events) - 1]);
        $raw = json_encode($events, JSON_UNESCAPED_SLASHES);
        $this->assertTrue($r->receipt()->matchesEvents($raw));
        $this->assertTrue($r->isVerified($c->getTransport()->status()['pubkey']));
    }

    public function testLiveOutputIsTheJobsOutput(): void
    {
        $c = $this->client();
        $live = ['stdout' => '', 'stderr' => ''];
        $r = $c->submit(self::$hello, 'live', null, [], [], null,
            function (string $stream, string $bytes) use (&$live): void {
                $live[$stream] .= $bytes;
            });
        $this->assertSame('evil', $r->stdout());
        $this->assertSame('evil', $live['stdout']);
        $this->assertSame($r->stderr(), $live['stderr']);
    }

    public function testLocalTransportInterfaceRunsOnTheNode(): void
    {
        $c = $this->client();
        $r = $c->createJob(self::$hello)->withTimeout(30)->withMemory(64)->submit('Hello');
        $this->assertSame('olleH', $r->stdout());
        $this->assertTrue($r->isVerified($c->getTransport()->status()['pubkey']));
    }

    public function testApiErrorsCarryTheirCodes(): void
    {
        $t = $this->client()->getTransport();
        try {
            $t->job('0123456789abcdef0123456789abcdef');
            $this->fail('an unknown job must be an error');
        } catch (PhaseException $e) {
            $this->assertSame('unknown_job', $e->errorCode);
            $this->assertSame(404, $e->httpStatus);
        }
        try {
            $t->submitJob(['module' => 'sha256:' . str_repeat('0', 64)]);
            $this->fail('an unknown module must be an error');
        } catch (PhaseException $e) {
            $this->assertSame('unknown_module', $e->errorCode);
        }
        try {
            $t->request('POST', '/jobs', '{"module":', 'application/json');
            $this->fail('malformed JSON must be an error');
        } catch (PhaseException $e) {
            $this->assertSame('bad_request', $e->errorCode);
            $this->assertStringContainsString('malformed JSON', $e->getMessage());
        }
        $this->assertSame('ok', $t->health()['status'], 'the node keeps serving');
    }

    public function testCancel(): void
    {
        $t = $this->client()->getTransport();
        $mod = $t->uploadModule((string)file_get_contents(self::$hello));
        $j = $t->submitJob(['module' => $mod, 'stdin' => 'zz']);
        try {
            $t->cancel($j['id']);
        } catch (PhaseException $e) {
            $this->assertSame('finished', $e->errorCode);   // it may have finished already
        }
        $feed = $t->events($j['id'], 0, 10000);
        $this->assertTrue($feed['done']);
        $this->assertContains($feed['state'], ['cancelled', 'succeeded']);
    }

    public function testBearerToken(): void
    {
        $tok = 'php-test-token-' . bin2hex(random_bytes(8));
        $file = tempnam(sys_get_temp_dir(), 'phase-token-');
        file_put_contents($file, $tok . "\n");
        chmod($file, 0600);
        $node = new PlasmdNode((string)getenv('PLASMD_BIN'),
            ['--http', '127.0.0.1:0', '--http-token-file', $file]);
        try {
            foreach ([null, $tok . 'x', strrev($tok)] as $bad) {
                try {
                    (new HttpTransport($node->url(), $bad))->status();
                    $this->fail('a missing or wrong token must be refused');
                } catch (PhaseException $e) {
                    $this->assertSame('unauthorized', $e->errorCode);
                    $this->assertSame(401, $e->httpStatus);
                }
            }
            $c = new Client(['mode' => 'remote', 'url' => $node->url(), 'token' => $tok]);
            $this->assertSame($node->info['peer_id'], $c->getTransport()->status()['peer_id']);
            $this->assertSame('olleh', $c->submit(self::$hello, 'hello')->stdout());
        } finally {
            $node->stop();
            unlink($file);
        }
    }

    /** examples/php/local_test.php and remote_test.php, as a user runs them. */
    public function testExamplesRun(): void
    {
        $dir = dirname(__DIR__, 3) . '/examples/php';
        $plasmd = (string)getenv('PLASMD_BIN');
        $home = sys_get_temp_dir() . '/phase-php-ex-' . bin2hex(random_bytes(6));
        mkdir($home, 0700);
        $run = static function (array $cmd, array $env) {
            $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null,
                array_merge(getenv(), $env));
            $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
            fclose($pipes[1]);
            fclose($pipes[2]);
            return [proc_close($p), $out];
        };
        try {
            [$rc, $out] = $run([PHP_BINARY, "$dir/local_test.php", $plasmd, self::$hello],
                ['PLASMD_HOME' => $home]);
            $this->assertSame(0, $rc, $out);
            $this->assertStringContainsString('Output: dlroW ,olleH', $out);
            [$rc, $out] = $run([PHP_BINARY, "$dir/remote_test.php", self::$a->url(), self::$hello], []);
            $this->assertSame(0, $rc, $out);
            $this->assertStringContainsString('✓ Signature valid', $out);
            $this->assertStringContainsString('Output: dlroW ,olleH', $out);
        } finally {
            @unlink("$home/identity.key");
            @rmdir($home);
        }
    }
}
