<?php
declare(strict_types=1);

use PHPUnit\Framework\TestCase;
use Sratix\Connector\Signature;

require_once dirname( __DIR__ ) . '/Signature.php';

/** The PHP side of the shared signature vectors; the TypeScript side reads the very same file. */
final class SignatureTest extends TestCase {
	private static function vectors(): array {
		$file = dirname( __DIR__, 3 ) . '/packages/core/test/connectors/signature-vectors.json';
		return json_decode( (string) file_get_contents( $file ), true, 512, JSON_THROW_ON_ERROR );
	}

	public function signCases(): array {
		$out = array();
		foreach ( self::vectors()['sign'] as $case ) {
			$out[ $case['name'] ] = array( $case );
		}
		return $out;
	}

	public function verifyCases(): array {
		$out = array();
		foreach ( self::vectors()['verify'] as $case ) {
			$out[ $case['name'] ] = array( $case );
		}
		return $out;
	}

	/** @dataProvider signCases */
	public function testSignsLikeTheVector( array $case ): void {
		$this->assertSame(
			$case['canonical'],
			Signature::canonical( $case['method'], $case['path'], $case['timestamp'], $case['nonce'], $case['body'] )
		);
		$this->assertSame(
			$case['signature'],
			Signature::sign( $case['secret'], $case['method'], $case['path'], $case['timestamp'], $case['nonce'], $case['body'] )
		);
	}

	/** @dataProvider verifyCases */
	public function testVerifiesLikeTheVector( array $case ): void {
		$this->assertSame(
			$case['expected'],
			Signature::verify(
				$case['secret'],
				$case['method'],
				$case['path'],
				$case['timestamp'],
				$case['nonce'],
				$case['signature'],
				$case['body'],
				$case['now'],
				self::vectors()['windowSeconds']
			)
		);
	}

	public function testHeadersRoundTripWithFreshNonces(): void {
		$now   = 1796371200;
		$first = Signature::headers( 'site-1', 'secret', 'POST', '/wp-json/x', '{"a":1}', $now );
		$again = Signature::headers( 'site-1', 'secret', 'POST', '/wp-json/x', '{"a":1}', $now );
		$this->assertNotSame( $first[ Signature::HEADER_NONCE ], $again[ Signature::HEADER_NONCE ] );
		$this->assertNull(
			Signature::verify(
				'secret',
				'POST',
				'/wp-json/x',
				$first[ Signature::HEADER_TIMESTAMP ],
				$first[ Signature::HEADER_NONCE ],
				$first[ Signature::HEADER_SIGNATURE ],
				'{"a":1}',
				$now
			)
		);
	}
}
