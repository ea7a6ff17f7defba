<?php

namespace Sratix\Client;

use Sratix\Connector\SettingsPage;
use Sratix\Connector\SignedRest;

defined( 'ABSPATH' ) || exit;

/**
 * `POST /wp-json/sratix-client/v1/webhook`: event updates from SRAtix. Capability-free but
 * signature-gated; a forged or replayed request never reaches the callback. What a site does with
 * an update is up to its theme, through the `sratix_client_webhook` action.
 */
final class WebhookReceiver {
	public function __construct( private SettingsPage $settings ) {}

	public function register(): void {
		add_action( 'rest_api_init', array( $this, 'routes' ) );
	}

	public function routes(): void {
		register_rest_route(
			'sratix-client/v1',
			'/webhook',
			array(
				'methods'             => 'POST',
				'callback'            => array( $this, 'receive' ),
				'permission_callback' => fn ( \WP_REST_Request $request ) => SignedRest::verify( $request, $this->settings->values()['webhook_secret'] ),
			)
		);
	}

	public function receive( \WP_REST_Request $request ): \WP_REST_Response {
		$hook = json_decode( (string) $request->get_body(), true );
		if ( ! is_array( $hook ) || ! isset( $hook['id'], $hook['type'] ) || ! is_string( $hook['type'] )
			|| ! preg_match( '/^[a-z_]+(\.[a-z_]+)+$/D', $hook['type'] ) ) {
			return new \WP_REST_Response( array( 'error' => 'malformed' ), 400 );
		}
		update_option(
			'sratix_client_last_webhook',
			array(
				'id'          => sanitize_text_field( (string) $hook['id'] ),
				'type'        => $hook['type'],
				'received_at' => time(),
			),
			false
		);
		do_action( 'sratix_client_webhook', $hook['type'], is_array( $hook['data'] ?? null ) ? $hook['data'] : array() );
		return new \WP_REST_Response( array( 'received' => true ), 200 );
	}
}
