<?php
// Autoloader for the aether/phase-sdk files installed by the
// php-aether-phase-sdk package: require this file, then use Aether\Phase\...
// (With Composer, use this directory as a "path" repository instead.)
spl_autoload_register(static function (string $class): void {
    $prefix = 'Aether\\Phase\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
