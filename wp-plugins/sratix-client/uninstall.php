<?php
/**
 * Removes everything the plugin stored: its settings (with the sealed secrets), caches, nonces and the kiosk capability.
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/shared/SignedRest.php';

delete_option( 'sratix_client_settings' );
delete_option( 'sratix_client_last_webhook' );
delete_transient( 'sratix_client_server_up' );
foreach ( array( 'administrator', 'editor' ) as $sratix_role_name ) {
	$sratix_role = get_role( $sratix_role_name );
	if ( null !== $sratix_role ) {
		$sratix_role->remove_cap( 'sratix_kiosk' );
	}
}
// The Control plugin shares the nonce store; leave it while Control is still installed.
if ( ! is_dir( WP_PLUGIN_DIR . '/sratix-control' ) ) {
	Sratix\Connector\SignedRest::forget_nonces();
}
