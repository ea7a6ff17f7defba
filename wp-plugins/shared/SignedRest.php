<?php
/**
 * Signed requests in WordPress, for both plugins: verifying what SRAtix sends to a REST route
 * (signature, window, single-use nonce) and signing what the plugin sends to SRAtix.
 */

namespace Sratix\Connector;

defined( 'ABSPATH' ) || exit;

if ( ! class_exists( SignedRest::class, false ) ) {

	final class SignedRest {
		private const NONCE_OPTION_PREFIX = '_sratix_nonce_';

		/**
		 * A REST `permission_callback`: true when the request carries a valid, fresh, first-seen
		 * signature made with `$secret`, a 401 WP_Error otherwise. The signed path is the request
		 * target as the server sent it (REQUEST_URI), the body the exact bytes received.
		 */
		public static function verify( \WP_REST_Request $request, string $secret ) {
			if ( '' === $secret ) {
				return new \WP_Error( 'sratix_not_configured', 'The webhook secret is not configured.', array( 'status' => 503 ) );
			}
			$target  = isset( $_SERVER['REQUEST_URI'] ) ? (string) wp_unslash( $_SERVER['REQUEST_URI'] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- compared byte for byte inside the signature, never output.
			$refusal = Signature::verify(
				$secret,
				$request->get_method(),
				$target,
				$request->get_header( Signature::HEADER_TIMESTAMP ),
				$request->get_header( Signature::HEADER_NONCE ),
				$request->get_header( Signature::HEADER_SIGNATURE ),
				(string) $request->get_body(),
				time()
			);
			if ( null === $refusal && ! self::first_use( (string) $request->get_header( Signature::HEADER_NONCE ) ) ) {
				$refusal = 'replayed';
			}
			if ( null !== $refusal ) {
				return new \WP_Error( 'sratix_signature_refused', 'Signature refused: ' . $refusal, array( 'status' => 401 ) );
			}
			return true;
		}

		/**
		 * Records the nonce; false when it was seen before. INSERT IGNORE on the options table's unique
		 * name makes "first use wins" atomic across PHP workers; expired nonces are swept now and then.
		 */
		private static function first_use( string $nonce ): bool {
			global $wpdb;
			$expires = time() + 2 * Signature::WINDOW_SECONDS;
			$added   = $wpdb->query( // phpcs:ignore WordPress.DB.DirectDatabaseQuery -- an atomic insert the options API cannot express.
				$wpdb->prepare(
					"INSERT IGNORE INTO {$wpdb->options} (option_name, option_value, autoload) VALUES (%s, %s, 'no')",
					self::NONCE_OPTION_PREFIX . hash( 'sha256', $nonce ),
					(string) $expires
				)
			);
			if ( 0 === wp_rand( 0, 49 ) ) {
				$wpdb->query( // phpcs:ignore WordPress.DB.DirectDatabaseQuery
					$wpdb->prepare(
						"DELETE FROM {$wpdb->options} WHERE option_name LIKE %s AND CAST(option_value AS UNSIGNED) < %d",
						$wpdb->esc_like( self::NONCE_OPTION_PREFIX ) . '%',
						time()
					)
				);
			}
			return 1 === $added;
		}

		/** Removes every stored nonce (uninstall). */
		public static function forget_nonces(): void {
			global $wpdb;
			$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like( self::NONCE_OPTION_PREFIX ) . '%' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		}

		/**
		 * POSTs `$payload` as JSON to SRAtix, signed with the site's key. Returns the decoded answer and
		 * status, or a WP_Error when SRAtix could not be reached. The API URL is the administrator's own
		 * setting, which may be an internal host, so wp_remote_post (not the "safe" variant) is used.
		 */
		public static function post( string $api_url, string $path, string $key_id, string $secret, array $payload, int $timeout = 8 ) {
			$body     = (string) wp_json_encode( $payload );
			$url      = untrailingslashit( $api_url ) . $path;
			$target   = (string) wp_parse_url( $url, PHP_URL_PATH );
			$response = wp_remote_post(
				$url,
				array(
					'timeout'     => $timeout,
					'redirection' => 0,
					'headers'     => array( 'content-type' => 'application/json' ) + Signature::headers( $key_id, $secret, 'POST', $target, $body ),
					'body'        => $body,
				)
			);
			if ( is_wp_error( $response ) ) {
				return $response;
			}
			return array(
				'status' => (int) wp_remote_retrieve_response_code( $response ),
				'body'   => json_decode( wp_remote_retrieve_body( $response ), true ),
			);
		}
	}
}
