<?php
/**
 * Plugin Name:       SRAtix Client
 * Description:       Sells tickets of an SRAtix event on this site: checkout, attendee forms and "my tickets" as shortcodes and a block, a staff kiosk page, and signed webhooks from SRAtix.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * License:           AGPL-3.0-or-later
 * Text Domain:       sratix
 */

defined( 'ABSPATH' ) || exit;

define( 'SRATIX_CLIENT_FILE', __FILE__ );

require_once __DIR__ . '/shared/Signature.php';
require_once __DIR__ . '/shared/SecretBox.php';
require_once __DIR__ . '/shared/SettingsPage.php';
require_once __DIR__ . '/shared/SignedRest.php';

spl_autoload_register(
	static function ( string $class ): void {
		$prefix = 'Sratix\\Client\\';
		if ( 0 === strpos( $class, $prefix ) ) {
			$file = __DIR__ . '/includes/' . str_replace( '\\', '/', substr( $class, strlen( $prefix ) ) ) . '.php';
			if ( is_readable( $file ) ) {
				require $file;
			}
		}
	}
);

register_activation_hook( __FILE__, array( Sratix\Client\Plugin::class, 'activate' ) );
Sratix\Client\Plugin::setup();
