<?php
/**
 * What both plugins load first: the shared classes, and an autoloader for the plugin's own
 * namespace (`Sratix\Client\Foo` → includes/Foo.php).
 */

defined( 'ABSPATH' ) || exit;

require_once __DIR__ . '/Signature.php';
require_once __DIR__ . '/SecretBox.php';
require_once __DIR__ . '/SettingsPage.php';
require_once __DIR__ . '/SignedRest.php';

if ( ! function_exists( 'sratix_autoload' ) ) {
	function sratix_autoload( string $prefix, string $dir ): void {
		spl_autoload_register(
			static function ( string $class ) use ( $prefix, $dir ): void {
				if ( 0 === strpos( $class, $prefix ) ) {
					$file = $dir . '/' . str_replace( '\\', '/', substr( $class, strlen( $prefix ) ) ) . '.php';
					if ( is_readable( $file ) ) {
						require $file;
					}
				}
			}
		);
	}
}
