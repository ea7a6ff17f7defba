<?php
/**
 * Plugin Name:       SRAtix Control
 * Description:       Connects this membership site to SRAtix: the "SRAtix Dashboard" link (signed token exchange), member profile sync, and entity posts created or marked on SRAtix's request.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * License:           AGPL-3.0-or-later
 * Text Domain:       sratix
 */

defined( 'ABSPATH' ) || exit;

define( 'SRATIX_CONTROL_FILE', __FILE__ );

require_once __DIR__ . '/shared/load.php';
sratix_autoload( 'Sratix\\Control\\', __DIR__ . '/includes' );

register_activation_hook( __FILE__, array( Sratix\Control\Mappings::class, 'install' ) );
Sratix\Control\Plugin::setup();
