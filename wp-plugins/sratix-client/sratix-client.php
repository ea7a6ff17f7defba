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

require_once __DIR__ . '/shared/load.php';
sratix_autoload( 'Sratix\\Client\\', __DIR__ . '/includes' );

register_activation_hook( __FILE__, array( Sratix\Client\Plugin::class, 'activate' ) );
Sratix\Client\Plugin::setup();
