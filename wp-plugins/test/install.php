<?php
/**
 * Installs the test WordPress and configures both plugins the way an administrator would (through
 * the plugins' own sanitize callbacks), then prints what the test needs as JSON.
 * Run as: php install.php (environment as for wp-config.php, plus SRATIX_* values).
 */

define( 'WP_INSTALLING', true );
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

add_filter( 'pre_wp_mail', '__return_false' );
wp_install( 'SRAtix test', 'admin', 'admin@example.org', true, '', getenv( 'WP_ADMIN_PASSWORD' ) );
update_option( 'permalink_structure', '/%postname%/' );

foreach ( array( 'sratix-client/sratix-client.php', 'sratix-control/sratix-control.php' ) as $sratix_plugin ) {
	$sratix_result = activate_plugin( $sratix_plugin );
	if ( is_wp_error( $sratix_result ) ) {
		fwrite( STDERR, $sratix_plugin . ': ' . $sratix_result->get_error_message() . "\n" );
		exit( 1 );
	}
}
flush_rewrite_rules();

update_option(
	'sratix_client_settings',
	Sratix\Client\Plugin::settings()->sanitize(
		array(
			'api_url'        => getenv( 'SRATIX_URL' ),
			'key_id'         => getenv( 'SRATIX_CLIENT_KEY_ID' ),
			'api_key'        => getenv( 'SRATIX_CLIENT_API_SECRET' ),
			'webhook_secret' => getenv( 'SRATIX_CLIENT_WEBHOOK_SECRET' ),
			'event_id'       => getenv( 'SRATIX_EVENT_ID' ),
			'theme'          => 'light',
			'locale'         => 'en',
		)
	)
);
update_option(
	'sratix_control_settings',
	Sratix\Control\Plugin::settings()->sanitize(
		array(
			'api_url'        => getenv( 'SRATIX_URL' ),
			'key_id'         => getenv( 'SRATIX_CONTROL_KEY_ID' ),
			'api_key'        => getenv( 'SRATIX_CONTROL_API_SECRET' ),
			'webhook_secret' => getenv( 'SRATIX_CONTROL_WEBHOOK_SECRET' ),
		)
	)
);

$sratix_page = wp_insert_post(
	array(
		'post_type'    => 'page',
		'post_status'  => 'publish',
		'post_title'   => 'Tickets',
		'post_name'    => 'tickets',
		'post_content' => '<p>Join us at the Swiss Robotics Day.</p>[sratix_checkout]',
	)
);
$sratix_plain = wp_insert_post(
	array(
		'post_type'    => 'page',
		'post_status'  => 'publish',
		'post_title'   => 'About',
		'post_name'    => 'about',
		'post_content' => '<p>No tickets here.</p>',
	)
);
$sratix_block = wp_insert_post(
	array(
		'post_type'    => 'page',
		'post_status'  => 'publish',
		'post_title'   => 'Block',
		'post_name'    => 'block',
		'post_content' => '<!-- wp:sratix/checkout {"theme":"dark"} /-->',
	)
);
$sratix_member = wp_insert_user(
	array(
		'user_login'   => 'ada',
		'user_pass'    => getenv( 'WP_ADMIN_PASSWORD' ),
		'user_email'   => 'ada@example.org',
		'display_name' => 'Ada Lovelace',
		'role'         => 'administrator',
	)
);

echo wp_json_encode(
	array(
		'ticketsUrl' => get_permalink( $sratix_page ),
		'aboutUrl'   => get_permalink( $sratix_plain ),
		'blockUrl'   => get_permalink( $sratix_block ),
		'memberId'   => $sratix_member,
		'stored'     => get_option( 'sratix_control_settings' ),
	)
);
