<?php
/**
 * The SRAtix Dashboard admin page: one button that posts the nonce-checked exchange form.
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="wrap">
	<h1><?php esc_html_e( 'SRAtix Dashboard', 'sratix' ); ?></h1>
	<p><?php esc_html_e( 'Opens the SRAtix dashboard signed in as you, with the access your roles here give.', 'sratix' ); ?></p>
	<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" target="_blank">
		<input type="hidden" name="action" value="sratix_dashboard">
		<?php wp_nonce_field( 'sratix_dashboard' ); ?>
		<?php submit_button( __( 'Open the SRAtix dashboard', 'sratix' ), 'primary', 'submit', false ); ?>
	</form>
</div>
