<?php

namespace Sratix\Client;

use Sratix\Connector\SettingsPage;

defined( 'ABSPATH' ) || exit;

/**
 * The shortcodes and the block. Each renders one SRAtix web component with escaped attributes and
 * asks for the widget bundle; the bundle is enqueued only on pages that render one. WordPress 6.1
 * has no script modules, so the bundle's tag gets `type="module"` through `script_loader_tag`.
 */
final class Embeds {
	private const BUNDLE = 'sratix-widgets';
	private const HEALTH_CACHE = 'sratix_client_server_up';

	public function __construct( private SettingsPage $settings ) {}

	public function register(): void {
		add_shortcode( 'sratix_checkout', array( $this, 'checkout' ) );
		add_shortcode( 'sratix_my_tickets', array( $this, 'my_tickets' ) );
		add_shortcode( 'sratix_form', array( $this, 'form' ) );
		add_shortcode( 'sratix_kiosk', array( $this, 'kiosk' ) );
		add_filter( 'script_loader_tag', array( $this, 'module_tag' ), 10, 2 );
		add_action( 'init', array( $this, 'register_block' ) );
	}

	public function register_block(): void {
		wp_register_script(
			'sratix-checkout-block',
			plugins_url( 'assets/checkout-block.js', SRATIX_CLIENT_FILE ),
			array( 'wp-blocks', 'wp-element', 'wp-block-editor', 'wp-components', 'wp-i18n' ),
			'0.1.0',
			true
		);
		register_block_type(
			'sratix/checkout',
			array(
				'editor_script'   => 'sratix-checkout-block',
				'attributes'      => array(
					'eventId' => array( 'type' => 'string', 'default' => '' ),
					'theme'   => array( 'type' => 'string', 'default' => '' ),
				),
				'render_callback' => fn ( array $attributes ): string => $this->checkout(
					array(
						'event' => $attributes['eventId'] ?? '',
						'theme' => $attributes['theme'] ?? '',
					)
				),
			)
		);
	}

	public function checkout( $atts ): string {
		$atts = shortcode_atts( array( 'event' => '', 'theme' => '', 'locale' => '' ), is_array( $atts ) ? $atts : array(), 'sratix_checkout' );
		return $this->component( 'sratix-checkout', array( 'event-id' => $this->event_id( $atts['event'] ) ), $atts );
	}

	public function my_tickets( $atts ): string {
		$atts = shortcode_atts( array( 'event' => '', 'theme' => '', 'locale' => '' ), is_array( $atts ) ? $atts : array(), 'sratix_my_tickets' );
		return $this->component( 'sratix-my-tickets', array( 'event-id' => $this->event_id( $atts['event'] ) ), $atts );
	}

	public function form( $atts ): string {
		$atts = shortcode_atts( array( 'event' => '', 'ticket_type' => '', 'theme' => '', 'locale' => '' ), is_array( $atts ) ? $atts : array(), 'sratix_form' );
		return $this->component(
			'sratix-form',
			array(
				'event-id'       => $this->event_id( $atts['event'] ),
				'ticket-type-id' => $this->uuid( $atts['ticket_type'] ),
			),
			$atts
		);
	}

	/** The staff check-in kiosk: the scanner app, for users with the kiosk capability only. */
	public function kiosk( $atts ): string {
		if ( ! current_user_can( Plugin::KIOSK_CAPABILITY ) ) {
			return '<p class="sratix-kiosk-denied">' . esc_html__( 'The check-in kiosk is for event staff. Please log in with a staff account.', 'sratix' ) . '</p>';
		}
		$values  = $this->settings->values();
		$scanner = '' !== $values['scanner_url'] ? $values['scanner_url'] : ( '' !== $values['api_url'] ? $values['api_url'] . '/scanner/' : '' );
		if ( '' === $scanner || ! $this->server_up() ) {
			return $this->unavailable();
		}
		return '<iframe class="sratix-kiosk" title="' . esc_attr__( 'SRAtix check-in', 'sratix' ) . '" src="' . esc_url( $scanner ) . '" allow="camera" style="width:100%;min-height:80vh;border:0"></iframe>';
	}

	/** Adds `type="module"` to the bundle's tag (WordPress 6.1 prints classic scripts only). */
	public function module_tag( string $tag, string $handle ): string {
		if ( self::BUNDLE !== $handle ) {
			return $tag;
		}
		return str_replace( '<script ', '<script type="module" crossorigin="anonymous" ', $tag );
	}

	private function component( string $tag, array $attributes, array $atts ): string {
		$values = $this->settings->values();
		if ( '' === $values['api_url'] || '' === ( $attributes['event-id'] ?? '' ) || ! $this->server_up() ) {
			return $this->unavailable();
		}
		$theme      = in_array( $atts['theme'], array( 'light', 'dark', 'auto' ), true ) ? $atts['theme'] : $values['theme'];
		$locale     = in_array( $atts['locale'], array( 'en', 'de', 'fr', 'it' ), true ) ? $atts['locale'] : $values['locale'];
		$attributes = $attributes + array(
			'api-base' => $values['api_url'],
			'theme'    => $theme,
			'locale'   => $locale,
		);
		wp_enqueue_script( self::BUNDLE, $values['api_url'] . '/widgets/sratix.js', array(), null, true ); // phpcs:ignore WordPress.WP.EnqueuedResourceParameters.MissingVersion -- the server versions its bundle by ETag.
		$html = '<' . $tag;
		foreach ( $attributes as $name => $value ) {
			if ( '' !== $value ) {
				$html .= ' ' . $name . '="' . esc_attr( $value ) . '"';
			}
		}
		$html .= '></' . $tag . '>';
		return $html . '<noscript>' . esc_html__( 'Ticketing needs JavaScript.', 'sratix' ) . '</noscript>';
	}

	private function event_id( string $from_shortcode ): string {
		$id = $this->uuid( $from_shortcode );
		return '' !== $id ? $id : $this->settings->values()['event_id'];
	}

	private function uuid( string $value ): string {
		return preg_match( '/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/D', $value ) ? $value : '';
	}

	/**
	 * Whether the server answered its health check recently. Cached for a minute (down: 20 s) so a
	 * busy page does not ask on every view, and an outage shows the friendly state instead of a
	 * widget that cannot load.
	 */
	private function server_up(): bool {
		$cached = get_transient( self::HEALTH_CACHE );
		if ( false !== $cached ) {
			return 'up' === $cached;
		}
		$response = wp_remote_get( $this->settings->values()['api_url'] . '/api/v1/health', array( 'timeout' => 3, 'redirection' => 0 ) );
		$up       = ! is_wp_error( $response ) && 200 === (int) wp_remote_retrieve_response_code( $response );
		set_transient( self::HEALTH_CACHE, $up ? 'up' : 'down', $up ? MINUTE_IN_SECONDS : 20 );
		return $up;
	}

	private function unavailable(): string {
		ob_start();
		include dirname( __DIR__ ) . '/templates/unavailable.php';
		return (string) ob_get_clean();
	}
}
