<?php

namespace Sratix\Control;

use Sratix\Connector\SettingsPage;
use Sratix\Connector\SignedRest;

defined( 'ABSPATH' ) || exit;

/** Wires the plugin together. WordPress stays presentation and light orchestration; SRAtix decides. */
final class Plugin {
	public const OPTION = 'sratix_control_settings';

	private static ?SettingsPage $settings = null;

	public static function settings(): SettingsPage {
		self::$settings ??= new SettingsPage(
			self::OPTION,
			__( 'SRAtix Control', 'sratix' ),
			SettingsPage::connection_fields() + array(
				'dashboard_url'  => array(
					'label' => __( 'Dashboard URL', 'sratix' ),
					'type'  => 'url',
					'help'  => __( 'Default: the server URL followed by /dashboard/', 'sratix' ),
				),
			)
		);
		return self::$settings;
	}

	public static function setup(): void {
		self::settings()->register();
		( new Dashboard( self::settings() ) )->register();
		( new UserSync( self::settings() ) )->register();
		( new Routes( self::settings() ) )->register();
	}

	/** A signed POST to SRAtix with this site's key; a WP_Error when it is not configured or unreachable. */
	public static function call_server( string $path, array $payload ) {
		$values = self::settings()->values();
		if ( '' === $values['api_url'] || '' === $values['key_id'] || '' === $values['api_key'] ) {
			return new \WP_Error( 'sratix_not_configured', __( 'SRAtix Control is not configured.', 'sratix' ) );
		}
		return SignedRest::post( $values['api_url'], $path, $values['key_id'], $values['api_key'], $payload );
	}
}
