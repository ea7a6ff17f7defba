<?php

namespace Sratix\Control;

use Sratix\Connector\SettingsPage;

defined( 'ABSPATH' ) || exit;

/**
 * Pushes profile and role changes of members SRAtix knows (those with `sratix_actor_id`, set by the
 * first dashboard exchange) as signed webhooks. Best effort: WordPress is not the source of truth
 * for SRAtix, and the next change or dashboard visit carries the current state again.
 */
final class UserSync {
	public function __construct( private SettingsPage $settings ) {}

	public function register(): void {
		add_action( 'profile_update', array( $this, 'profile_updated' ), 10, 1 );
		add_action( 'set_user_role', array( $this, 'roles_changed' ), 10, 1 );
		add_action( 'add_user_role', array( $this, 'roles_changed' ), 10, 1 );
		add_action( 'remove_user_role', array( $this, 'roles_changed' ), 10, 1 );
	}

	public function profile_updated( $user_id ): void {
		$user = $this->known_user( (int) $user_id );
		if ( null === $user ) {
			return;
		}
		$this->send(
			'user.updated',
			array(
				'wpUserId' => (int) $user->ID,
				'email'    => (string) $user->user_email,
				'name'     => '' !== $user->display_name ? (string) $user->display_name : (string) $user->user_login,
			)
		);
	}

	public function roles_changed( $user_id ): void {
		$user = $this->known_user( (int) $user_id );
		if ( null === $user ) {
			return;
		}
		/**
		 * Membership tiers or groups of a member (ProfileGrid and the like) to pass along.
		 *
		 * @param string[] $memberships
		 * @param \WP_User $user
		 */
		$memberships = apply_filters( 'sratix_control_memberships', array(), $user );
		$this->send(
			'membership.changed',
			array(
				'wpUserId'    => (int) $user->ID,
				'roles'       => array_values( array_map( 'strval', (array) $user->roles ) ),
				'memberships' => array_values( array_map( 'strval', is_array( $memberships ) ? $memberships : array() ) ),
			)
		);
	}

	private function known_user( int $user_id ): ?\WP_User {
		if ( '' === (string) get_user_meta( $user_id, 'sratix_actor_id', true ) ) {
			return null;
		}
		$user = get_userdata( $user_id );
		return $user instanceof \WP_User ? $user : null;
	}

	private function send( string $type, array $data ): void {
		$answer = Plugin::call_server(
			'/api/v1/connectors/webhooks',
			array(
				'id'   => 'wp-' . wp_generate_uuid4(),
				'type' => $type,
				'data' => $data,
			)
		);
		if ( is_wp_error( $answer ) || $answer['status'] >= 300 ) {
			error_log( 'SRAtix Control: ' . $type . ' was not accepted (' . ( is_wp_error( $answer ) ? $answer->get_error_code() : $answer['status'] ) . ')' ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log -- no personal data, only the type and status.
			return;
		}
		update_user_meta( (int) $data['wpUserId'], 'sratix_last_sync', time() );
	}
}
