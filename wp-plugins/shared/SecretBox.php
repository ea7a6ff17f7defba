<?php
/**
 * Secrets at rest in wp_options: sealed with libsodium's secretbox (XSalsa20-Poly1305) under a key
 * derived from the site's own salts, so a database dump alone does not reveal the SRAtix credentials.
 */

namespace Sratix\Connector;

defined( 'ABSPATH' ) || exit;

if ( ! class_exists( SecretBox::class, false ) ) {

	final class SecretBox {
		private const PREFIX = 'sbx1:';

		private static function key(): string {
			return sodium_crypto_generichash( 'sratix-connector-secrets|' . wp_salt( 'auth' ) . wp_salt( 'secure_auth' ), '', SODIUM_CRYPTO_SECRETBOX_KEYBYTES );
		}

		public static function seal( string $plain ): string {
			$nonce = random_bytes( SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
			return self::PREFIX . base64_encode( $nonce . sodium_crypto_secretbox( $plain, $nonce, self::key() ) );
		}

		/** The secret, or '' when nothing is stored or the salts changed since it was sealed. */
		public static function open( string $sealed ): string {
			if ( 0 !== strpos( $sealed, self::PREFIX ) ) {
				return '';
			}
			$raw = base64_decode( substr( $sealed, strlen( self::PREFIX ) ), true );
			if ( false === $raw || strlen( $raw ) <= SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ) {
				return '';
			}
			$plain = sodium_crypto_secretbox_open(
				substr( $raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ),
				substr( $raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ),
				self::key()
			);
			return false === $plain ? '' : $plain;
		}
	}
}
