<?php

namespace Sratix\Control;

use Sratix\Connector\SettingsPage;
use Sratix\Connector\SignedRest;

defined( 'ABSPATH' ) || exit;

/**
 * REST routes SRAtix calls (capability-free, signature-gated; a forged or replayed request never
 * reaches a callback):
 * - `webhook`: registration confirmed / attendee updated → the member's user meta;
 * - `create-entity` and `mark-entity`: the entity auto-creation flow of reference §16.
 * Each is idempotent, since SRAtix retries until it gets an answer.
 */
final class Routes {
	private const NS = 'sratix-control/v1';
	private const ENTITY_TYPES = array( 'organization', 'exhibitor', 'partner', 'sponsor' );

	public function __construct( private SettingsPage $settings ) {}

	public function register(): void {
		add_action( 'rest_api_init', array( $this, 'routes' ) );
	}

	public function routes(): void {
		$signed = fn ( \WP_REST_Request $request ) => SignedRest::verify( $request, $this->settings->values()['webhook_secret'] );
		foreach ( array( 'webhook' => 'webhook', 'create-entity' => 'create_entity', 'mark-entity' => 'mark_entity' ) as $route => $method ) {
			register_rest_route(
				self::NS,
				'/' . $route,
				array(
					'methods'             => 'POST',
					'callback'            => array( $this, $method ),
					'permission_callback' => $signed,
				)
			);
		}
	}

	/** The signed body as sent; the REST params are not used so that nothing else can sneak in. */
	private function hook( \WP_REST_Request $request ): array {
		$hook = json_decode( (string) $request->get_body(), true );
		return is_array( $hook ) && is_array( $hook['data'] ?? null ) && is_string( $hook['type'] ?? null ) ? $hook : array();
	}

	public function webhook( \WP_REST_Request $request ): \WP_REST_Response {
		$hook = $this->hook( $request );
		$data = $hook['data'] ?? array();
		$user = isset( $data['wpUserId'] ) ? get_userdata( (int) $data['wpUserId'] ) : false;
		if ( ! $user instanceof \WP_User ) {
			// Nothing to update here (the member was deleted); answering 2xx stops the retries.
			return new \WP_REST_Response( array( 'applied' => false ), 200 );
		}
		switch ( $hook['type'] ) {
			case 'registration.confirmed':
				$order_id      = sanitize_text_field( (string) ( $data['orderId'] ?? '' ) );
				$registrations = get_user_meta( $user->ID, 'sratix_registrations', true );
				$registrations = is_array( $registrations ) ? $registrations : array();
				// Keyed by order: a repeated delivery rewrites the same entry.
				$registrations[ $order_id ] = array(
					'event_id'     => sanitize_text_field( (string) ( $data['eventId'] ?? '' ) ),
					'tickets'      => (int) ( $data['tickets'] ?? 0 ),
					'confirmed_at' => sanitize_text_field( (string) ( $data['confirmedAt'] ?? '' ) ),
				);
				update_user_meta( $user->ID, 'sratix_registrations', $registrations );
				break;
			case 'attendee.updated':
				break;
			default:
				return new \WP_REST_Response( array( 'applied' => false ), 200 );
		}
		update_user_meta( $user->ID, 'sratix_last_sync', time() );
		return new \WP_REST_Response( array( 'applied' => true ), 200 );
	}

	public function create_entity( \WP_REST_Request $request ): \WP_REST_Response {
		$data = $this->hook( $request )['data'] ?? array();
		$type = (string) ( $data['sratixEntityType'] ?? '' );
		$id   = (string) ( $data['sratixEntityId'] ?? '' );
		if ( ! in_array( $type, self::ENTITY_TYPES, true ) || ! preg_match( '/^[0-9a-f-]{36}$/D', $id ) || empty( $data['name'] ) ) {
			return new \WP_REST_Response( array( 'error' => 'malformed' ), 400 );
		}
		$existing = Mappings::wp_id( 'sra_entity', $type, $id );
		if ( $existing > 0 ) {
			return new \WP_REST_Response( array( 'wpPostId' => $existing ), 200 );
		}
		/** Status of created entity posts: drafts by default, for an editor to review before the map shows them. */
		$status  = apply_filters( 'sratix_control_entity_status', 'draft', $data );
		$post_id = wp_insert_post(
			array(
				'post_type'   => 'sra_entity',
				'post_status' => in_array( $status, array( 'draft', 'pending', 'publish' ), true ) ? $status : 'draft',
				'post_title'  => sanitize_text_field( (string) $data['name'] ),
				'meta_input'  => array(
					'sratix_entity_type' => $type,
					'sratix_entity_id'   => $id,
					'sratix_address'     => sanitize_textarea_field( (string) ( $data['address'] ?? '' ) ),
					'sratix_contact'     => sanitize_email( (string) ( $data['contactEmail'] ?? '' ) ),
				),
			),
			true
		);
		if ( is_wp_error( $post_id ) ) {
			return new \WP_REST_Response( array( 'error' => 'not-created' ), 500 );
		}
		if ( ! Mappings::add( 'sra_entity', (int) $post_id, $type, $id ) ) {
			// Another delivery of the same request won the race: keep its post, drop ours.
			wp_delete_post( (int) $post_id, true );
			$post_id = Mappings::wp_id( 'sra_entity', $type, $id );
		}
		if ( ! empty( $data['mark'] ) ) {
			$this->add_mark( (int) $post_id, (string) $data['mark'] );
		}
		return new \WP_REST_Response( array( 'wpPostId' => (int) $post_id ), 200 );
	}

	public function mark_entity( \WP_REST_Request $request ): \WP_REST_Response {
		$data    = $this->hook( $request )['data'] ?? array();
		$post_id = (int) ( $data['wpPostId'] ?? 0 );
		$mapped  = Mappings::wp_id( 'sra_entity', (string) ( $data['sratixEntityType'] ?? '' ), (string) ( $data['sratixEntityId'] ?? '' ) );
		if ( $post_id <= 0 || $mapped !== $post_id || empty( $data['mark'] ) ) {
			return new \WP_REST_Response( array( 'error' => 'unknown-entity' ), 404 );
		}
		$this->add_mark( $post_id, (string) $data['mark'] );
		return new \WP_REST_Response( array( 'wpPostId' => $post_id ), 200 );
	}

	/** Marks ("SRD 2026 Exhibitor") as post meta, one value per mark, which the map's front end reads. */
	private function add_mark( int $post_id, string $mark ): void {
		$mark = sanitize_text_field( $mark );
		if ( ! in_array( $mark, get_post_meta( $post_id, 'sratix_mark' ), true ) ) {
			add_post_meta( $post_id, 'sratix_mark', $mark );
		}
	}
}
