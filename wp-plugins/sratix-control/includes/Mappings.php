<?php

namespace Sratix\Control;

defined( 'ABSPATH' ) || exit;

/**
 * `{prefix}sratix_mappings` (reference §6): references from WordPress users and posts to SRAtix
 * records. Created on activation, dropped by uninstall.php.
 */
final class Mappings {
	public static function table(): string {
		global $wpdb;
		return $wpdb->prefix . 'sratix_mappings';
	}

	public static function install(): void {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$table   = self::table();
		$charset = $wpdb->get_charset_collate();
		dbDelta(
			"CREATE TABLE {$table} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  wp_entity_type varchar(32) NOT NULL,
  wp_entity_id bigint(20) unsigned NOT NULL,
  sratix_entity_type varchar(20) NOT NULL,
  sratix_entity_id char(36) NOT NULL,
  created_at datetime NOT NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY sratix_entity (sratix_entity_type,sratix_entity_id,wp_entity_type),
  KEY wp_entity (wp_entity_type,wp_entity_id)
) {$charset};"
		);
	}

	/** The WordPress id mapped to a SRAtix entity, or 0. */
	public static function wp_id( string $wp_entity_type, string $sratix_entity_type, string $sratix_entity_id ): int {
		global $wpdb;
		$table = self::table();
		return (int) $wpdb->get_var( // phpcs:ignore WordPress.DB.DirectDatabaseQuery -- the plugin's own table.
			$wpdb->prepare( "SELECT wp_entity_id FROM {$table} WHERE wp_entity_type = %s AND sratix_entity_type = %s AND sratix_entity_id = %s", $wp_entity_type, $sratix_entity_type, $sratix_entity_id ) // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		);
	}

	/** True when this call stored the mapping; false when one existed already (the unique key decides). */
	public static function add( string $wp_entity_type, int $wp_entity_id, string $sratix_entity_type, string $sratix_entity_id ): bool {
		global $wpdb;
		$table = self::table();
		return 1 === $wpdb->query( // phpcs:ignore WordPress.DB.DirectDatabaseQuery
			$wpdb->prepare( "INSERT IGNORE INTO {$table} (wp_entity_type, wp_entity_id, sratix_entity_type, sratix_entity_id, created_at) VALUES (%s, %d, %s, %s, %s)", $wp_entity_type, $wp_entity_id, $sratix_entity_type, $sratix_entity_id, current_time( 'mysql', true ) ) // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		);
	}
}
