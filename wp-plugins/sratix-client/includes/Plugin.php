<?php

namespace Sratix\Client;

use Sratix\Connector\SettingsPage;

defined( 'ABSPATH' ) || exit;

/** Wires the plugin together. No business logic lives here: SRAtix is the source of truth. */
final class Plugin {
	public const OPTION = 'sratix_client_settings';
	/** Staff who may open the check-in kiosk page. */
	public const KIOSK_CAPABILITY = 'sratix_kiosk';

	private static ?SettingsPage $settings = null;

	public static function settings(): SettingsPage {
		self::$settings ??= new SettingsPage(
			self::OPTION,
			__( 'SRAtix Client', 'sratix' ),
			SettingsPage::connection_fields() + array(
				'event_id'       => array( 'label' => __( 'Current event id', 'sratix' ), 'type' => 'uuid' ),
				'theme'          => array(
					'label'   => __( 'Widget theme', 'sratix' ),
					'type'    => 'select',
					'choices' => array(
						'auto'  => __( 'Follow the visitor', 'sratix' ),
						'light' => __( 'Light', 'sratix' ),
						'dark'  => __( 'Dark', 'sratix' ),
					),
				),
				'locale'         => array(
					'label'   => __( 'Widget language', 'sratix' ),
					'type'    => 'select',
					'choices' => array(
						''   => __( 'The page language', 'sratix' ),
						'en' => 'English',
						'de' => 'Deutsch',
						'fr' => 'Français',
						'it' => 'Italiano',
					),
				),
				'scanner_url'    => array(
					'label' => __( 'Scanner URL (kiosk)', 'sratix' ),
					'type'  => 'url',
					'help'  => __( 'Default: the server URL followed by /scanner/', 'sratix' ),
				),
			)
		);
		return self::$settings;
	}

	public static function setup(): void {
		self::settings()->register();
		( new Embeds( self::settings() ) )->register();
		( new WebhookReceiver( self::settings() ) )->register();
	}

	public static function activate(): void {
		foreach ( array( 'administrator', 'editor' ) as $role_name ) {
			$role = get_role( $role_name );
			if ( null !== $role ) {
				$role->add_cap( self::KIOSK_CAPABILITY );
			}
		}
	}
}
