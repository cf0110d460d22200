<?php
// PSR-4 autoloading of sdk/php/src without Composer.
declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    $prefix = 'Aether\\Phase\\';
    if (str_starts_with($class, $prefix)) {
        $file = __DIR__ . '/../../sdk/php/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
