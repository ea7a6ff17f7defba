<?php
/**
 * Router for PHP's built-in server: real files are served as they are, everything else goes to
 * WordPress's index.php (without this, paths containing a dot would 404).
 */

$sratix_path = (string) parse_url( $_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH );
if ( '/' !== $sratix_path && is_file( __DIR__ . $sratix_path ) ) {
	return false;
}
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = __DIR__ . '/index.php';
require __DIR__ . '/index.php';
