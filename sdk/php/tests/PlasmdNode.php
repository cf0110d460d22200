<?php

declare(strict_types=1);

namespace Aether\Phase\Tests;

/**
 * A real `plasmd start` for the tests, on 127.0.0.1 with a home of its own;
 * stop() (or the destructor) kills it and removes the home.
 */
final class PlasmdNode
{
    /** @var resource */
    private $proc;
    /** @var array<int, resource> */
    private array $pipes = [];
    private string $home;
    /** @var array<string,mixed> the node's start line: peer_id, listen, http */
    public array $info = [];

    /** @param list<string> $args */
    public function __construct(string $plasmd, array $args)
    {
        $this->home = sys_get_temp_dir() . '/phase-php-node-' . bin2hex(random_bytes(6));
        mkdir($this->home, 0700);
        $env = getenv();
        $env['PLASMD_HOME'] = $this->home;
        $cmd = array_merge([$plasmd, 'start', '-l', '/ip4/127.0.0.1/tcp/0'], $args);
        $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['file', $this->home . '/log', 'w']],
            $this->pipes, null, $env);
        if (!is_resource($proc)) {
            @rmdir($this->home);
            throw new \RuntimeException('cannot start plasmd');
        }
        $this->proc = $proc;
        $line = '';
        $deadline = microtime(true) + 15;
        while (!str_contains($line, "\n") && microtime(true) < $deadline) {
            $r = [$this->pipes[1]];
            $w = $e = null;
            if (stream_select($r, $w, $e, 0, 200000) > 0) {
                $chunk = fread($this->pipes[1], 4096);
                if ($chunk === '' || $chunk === false) {
                    break;
                }
                $line .= $chunk;
            }
        }
        $info = json_decode(trim($line), true);
        if (!is_array($info) || !isset($info['peer_id'])) {
            $log = (string)@file_get_contents($this->home . '/log');
            $this->stop();
            throw new \RuntimeException("plasmd start did not come up: $log");
        }
        $this->info = $info;
    }

    public function url(): string
    {
        return 'http://' . $this->info['http'];
    }

    public function stop(): void
    {
        if (isset($this->proc) && is_resource($this->proc)) {
            proc_terminate($this->proc, 15);
            $deadline = microtime(true) + 10;
            while (proc_get_status($this->proc)['running'] && microtime(true) < $deadline) {
                usleep(20000);
            }
            if (proc_get_status($this->proc)['running']) {
                proc_terminate($this->proc, 9);
            }
            foreach ($this->pipes as $p) {
                if (is_resource($p)) {
                    fclose($p);
                }
            }
            proc_close($this->proc);
        }
        foreach (['identity.key', 'log'] as $f) {
            @unlink($this->home . '/' . $f);
        }
        @rmdir($this->home);
    }

    public function __destruct()
    {
        $this->stop();
    }
}
