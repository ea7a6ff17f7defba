<?php
/**
 * Shown instead of a widget when SRAtix cannot be reached or the embed is not configured.
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="sratix-unavailable" role="status" style="padding:1em;border:1px solid currentColor;border-radius:4px">
	<p><strong><?php esc_html_e( 'Ticketing is temporarily unavailable.', 'sratix' ); ?></strong></p>
	<p><?php esc_html_e( 'Please try again in a few minutes. Nothing you did caused this.', 'sratix' ); ?></p>
</div>
