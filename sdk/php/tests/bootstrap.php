<?php

declare(strict_types=1);

// PSR-4 autoloading without Composer (CI runs Debian's phpunit directly).
spl_autoload_register(static function (string $class): void {
    $map = ['Aether\\Phase\\Tests\\' => __DIR__ . '/', 'Aether\\Phase\\' => __DIR__ . '/../src/'];
    foreach ($map as $prefix => $dir) {
        if (str_starts_with($class, $prefix)) {
            $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
