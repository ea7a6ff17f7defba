<?php

namespace Sratix\Control;

use Sratix\Connector\SettingsPage;

defined( 'ABSPATH' ) || exit;

/**
 * The "SRAtix Dashboard" admin link (reference §7). The click posts a nonce-checked form; the
 * handler exchanges the signed-in user's id and roles for a 15-minute SRAtix token and redirects
 * with it in the URL fragment, which browsers never send to a server or in a Referer. No token is
 * stored in WordPress or in the browser beyond that page load.
 */
final class Dashboard {
	private const ACTION = 'sratix_dashboard';

	public function __construct( private SettingsPage $settings ) {}

	public function register(): void {
		add_action( 'admin_menu', array( $this, 'menu' ) );
		add_action( 'admin_post_' . self::ACTION, array( $this, 'open' ) );
	}

	public function menu(): void {
		add_menu_page( __( 'SRAtix Dashboard', 'sratix' ), __( 'SRAtix Dashboard', 'sratix' ), 'read', self::ACTION, array( $this, 'render' ), 'dashicons-tickets-alt', 3 );
	}

	public function render(): void {
		include dirname( __DIR__ ) . '/templates/dashboard.php';
	}

	public function open(): void {
		if ( ! is_user_logged_in() || ! current_user_can( 'read' ) ) {
			wp_die( esc_html__( 'Please log in.', 'sratix' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( self::ACTION );
		$user   = wp_get_current_user();
		$answer = Plugin::call_server(
			'/api/v1/auth/token-exchange',
			array(
				'wpUserId' => (int) $user->ID,
				'roles'    => array_values( array_map( 'strval', (array) $user->roles ) ),
				'email'    => (string) $user->user_email,
				'name'     => '' !== $user->display_name ? (string) $user->display_name : (string) $user->user_login,
			)
		);
		if ( is_wp_error( $answer ) || 200 !== $answer['status'] || empty( $answer['body']['accessToken'] ) ) {
			$forbidden = ! is_wp_error( $answer ) && 403 === $answer['status'];
			wp_die(
				esc_html(
					$forbidden
						? __( 'Your account has no access to SRAtix.', 'sratix' )
						: __( 'SRAtix is temporarily unavailable. Please try again in a few minutes.', 'sratix' )
				),
				esc_html__( 'SRAtix Dashboard', 'sratix' ),
				array( 'response' => $forbidden ? 403 : 503, 'back_link' => true )
			);
		}
		if ( ! empty( $answer['body']['userId'] ) && is_string( $answer['body']['userId'] ) ) {
			update_user_meta( $user->ID, 'sratix_actor_id', sanitize_text_field( $answer['body']['userId'] ) );
		}
		$values    = $this->settings->values();
		$dashboard = '' !== $values['dashboard_url'] ? $values['dashboard_url'] : $values['api_url'] . '/dashboard/';
		$host      = (string) wp_parse_url( $dashboard, PHP_URL_HOST );
		add_filter( 'allowed_redirect_hosts', static fn ( array $hosts ): array => array_merge( $hosts, array( $host ) ) );
		wp_safe_redirect( $dashboard . '#access_token=' . rawurlencode( (string) $answer['body']['accessToken'] ) . '&expires_in=' . (int) ( $answer['body']['expiresIn'] ?? 0 ) );
		exit;
	}
}
