<?php
/**
 * Removes everything the plugin stored: the mapping table, its settings (with the sealed secrets),
 * the SRAtix references in user meta, and the nonce store when the Client plugin is gone too.
 * Entity posts stay: they are the site's content.
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/shared/SignedRest.php';

global $wpdb;
$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}sratix_mappings" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.DirectDatabaseQuery.SchemaChange
delete_option( 'sratix_control_settings' );
foreach ( array( 'sratix_actor_id', 'sratix_last_sync', 'sratix_registrations' ) as $sratix_meta_key ) {
	delete_metadata( 'user', 0, $sratix_meta_key, '', true );
}
if ( ! is_dir( WP_PLUGIN_DIR . '/sratix-client' ) ) {
	Sratix\Connector\SignedRest::forget_nonces();
}
