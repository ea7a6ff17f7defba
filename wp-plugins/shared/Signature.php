<?php
/**
 * Request signatures between SRAtix and its WordPress connectors: the PHP twin of
 * packages/core/src/connectors/Signature.ts (docs/adr/0014-connector-signatures.md).
 *
 * Plain PHP with no WordPress calls, so PHPUnit checks it directly against the test vectors the
 * TypeScript side uses. Both plugins load this one file; the guard keeps a second copy (two plugins
 * installed from separate archives) from declaring the class twice.
 */

namespace Sratix\Connector;

if ( ! class_exists( Signature::class, false ) ) {

	final class Signature {
		public const SCHEME         = 'v1';
		public const WINDOW_SECONDS = 300;
		public const HEADER_KEY_ID    = 'x-sratix-key';
		public const HEADER_TIMESTAMP = 'x-sratix-timestamp';
		public const HEADER_NONCE     = 'x-sratix-nonce';
		public const HEADER_SIGNATURE = 'x-sratix-signature';

		/** The string that is signed: method, request target, time, nonce, SHA-256 of the exact body bytes. */
		public static function canonical( string $method, string $path, int $timestamp, string $nonce, string $body ): string {
			return implode(
				"\n",
				array( 'sratix-v1', strtoupper( $method ), $path, (string) $timestamp, $nonce, hash( 'sha256', $body ) )
			);
		}

		public static function sign( string $secret, string $method, string $path, int $timestamp, string $nonce, string $body ): string {
			return self::SCHEME . '=' . hash_hmac( 'sha256', self::canonical( $method, $path, $timestamp, $nonce, $body ), $secret );
		}

		/** A fresh single-use nonce: 32 URL-safe characters from the system's CSPRNG. */
		public static function nonce(): string {
			return rtrim( strtr( base64_encode( random_bytes( 24 ) ), '+/', '-_' ), '=' );
		}

		/**
		 * Null when authentic and inside the window, otherwise 'malformed', 'stale' or 'bad-signature'.
		 * The nonce must then be checked against the receiver's store; this function has no memory.
		 */
		public static function verify(
			string $secret,
			string $method,
			string $path,
			?string $timestamp,
			?string $nonce,
			?string $signature,
			string $body,
			int $now,
			int $window = self::WINDOW_SECONDS
		): ?string {
			if ( null === $timestamp || null === $nonce || null === $signature ) {
				return 'malformed';
			}
			if ( ! preg_match( '/^(0|[1-9][0-9]{0,11})$/D', $timestamp )
				|| ! preg_match( '/^[A-Za-z0-9_-]{16,128}$/D', $nonce )
				|| ! preg_match( '/^v1=[0-9a-f]{64}$/D', $signature ) ) {
				return 'malformed';
			}
			if ( abs( $now - (int) $timestamp ) > $window ) {
				return 'stale';
			}
			$expected = self::sign( $secret, $method, $path, (int) $timestamp, $nonce, $body );
			return hash_equals( $expected, $signature ) ? null : 'bad-signature';
		}

		/** Headers for an outgoing signed request, as a name => value map. */
		public static function headers( string $key_id, string $secret, string $method, string $path, string $body, ?int $now = null ): array {
			$timestamp = $now ?? time();
			$nonce     = self::nonce();
			return array(
				self::HEADER_KEY_ID    => $key_id,
				self::HEADER_TIMESTAMP => (string) $timestamp,
				self::HEADER_NONCE     => $nonce,
				self::HEADER_SIGNATURE => self::sign( $secret, $method, $path, $timestamp, $nonce, $body ),
			);
		}
	}
}
