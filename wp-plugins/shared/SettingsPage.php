<?php
/**
 * One settings page driven by a field list, shared by both plugins: registered through the
 * Settings API (options.php checks the nonce and `manage_options`), every value through one
 * sanitize callback, secrets sealed and never printed back (an empty secret field keeps the stored one).
 */

namespace Sratix\Connector;

defined( 'ABSPATH' ) || exit;

if ( ! class_exists( SettingsPage::class, false ) ) {

	final class SettingsPage {
		/**
		 * @param string $option  Option name holding the settings array.
		 * @param string $title   Page title.
		 * @param array  $fields  name => [ 'label' => string, 'type' => 'url'|'text'|'uuid'|'secret'|'select', 'choices' => array, 'help' => string ].
		 */
		public function __construct(
			private string $option,
			private string $title,
			private array $fields
		) {}

		/** The fields every connector needs to talk to SRAtix, first on both settings pages. */
		public static function connection_fields(): array {
			return array(
				'api_url'        => array(
					'label' => __( 'SRAtix server URL', 'sratix' ),
					'type'  => 'url',
					'help'  => __( 'Where the server answers, e.g. https://tix.example.org', 'sratix' ),
				),
				'key_id'         => array( 'label' => __( 'Site key id', 'sratix' ), 'type' => 'uuid' ),
				'api_key'        => array( 'label' => __( 'API key (site secret)', 'sratix' ), 'type' => 'secret' ),
				'webhook_secret' => array( 'label' => __( 'Webhook secret', 'sratix' ), 'type' => 'secret' ),
			);
		}

		public function register(): void {
			add_action( 'admin_init', array( $this, 'register_setting' ) );
			add_action( 'admin_menu', array( $this, 'add_page' ) );
		}

		public function register_setting(): void {
			register_setting(
				$this->option,
				$this->option,
				array(
					'type'              => 'array',
					'sanitize_callback' => array( $this, 'sanitize' ),
					'default'           => array(),
					'show_in_rest'      => false,
				)
			);
		}

		public function add_page(): void {
			add_options_page( $this->title, $this->title, 'manage_options', $this->option, array( $this, 'render' ) );
		}

		/** The stored settings, secrets opened. */
		public function values(): array {
			$stored = get_option( $this->option, array() );
			$stored = is_array( $stored ) ? $stored : array();
			$values = array();
			foreach ( $this->fields as $name => $field ) {
				$value           = isset( $stored[ $name ] ) && is_string( $stored[ $name ] ) ? $stored[ $name ] : '';
				$values[ $name ] = 'secret' === $field['type'] ? SecretBox::open( $value ) : $value;
			}
			return $values;
		}

		public function sanitize( $input ): array {
			$input    = is_array( $input ) ? $input : array();
			$previous = get_option( $this->option, array() );
			$previous = is_array( $previous ) ? $previous : array();
			$clean    = array();
			foreach ( $this->fields as $name => $field ) {
				$raw = isset( $input[ $name ] ) && is_string( $input[ $name ] ) ? trim( wp_unslash( $input[ $name ] ) ) : '';
				switch ( $field['type'] ) {
					case 'secret':
						$clean[ $name ] = '' === $raw ? ( $previous[ $name ] ?? '' ) : SecretBox::seal( sanitize_text_field( $raw ) );
						break;
					case 'url':
						$clean[ $name ] = untrailingslashit( esc_url_raw( $raw, array( 'https', 'http' ) ) );
						break;
					case 'uuid':
						$clean[ $name ] = preg_match( '/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/D', $raw ) ? $raw : '';
						if ( '' !== $raw && '' === $clean[ $name ] ) {
							add_settings_error( $this->option, $name, sprintf( /* translators: %s: field label */ __( '%s must be a UUID.', 'sratix' ), $field['label'] ) );
						}
						break;
					case 'select':
						$clean[ $name ] = array_key_exists( $raw, $field['choices'] ) ? $raw : (string) array_key_first( $field['choices'] );
						break;
					default:
						$clean[ $name ] = sanitize_text_field( $raw );
				}
			}
			return $clean;
		}

		public function render(): void {
			if ( ! current_user_can( 'manage_options' ) ) {
				wp_die( esc_html__( 'You may not change these settings.', 'sratix' ), '', array( 'response' => 403 ) );
			}
			$stored = get_option( $this->option, array() );
			$stored = is_array( $stored ) ? $stored : array();
			echo '<div class="wrap"><h1>' . esc_html( $this->title ) . '</h1>';
			settings_errors( $this->option );
			echo '<form method="post" action="' . esc_url( admin_url( 'options.php' ) ) . '">';
			settings_fields( $this->option );
			echo '<table class="form-table" role="presentation">';
			foreach ( $this->fields as $name => $field ) {
				$id    = $this->option . '_' . $name;
				$input = $this->option . '[' . $name . ']';
				echo '<tr><th scope="row"><label for="' . esc_attr( $id ) . '">' . esc_html( $field['label'] ) . '</label></th><td>';
				if ( 'secret' === $field['type'] ) {
					$has = ! empty( $stored[ $name ] );
					echo '<input type="password" autocomplete="new-password" class="regular-text" id="' . esc_attr( $id ) . '" name="' . esc_attr( $input ) . '" value="" placeholder="' . esc_attr( $has ? __( 'stored — leave empty to keep', 'sratix' ) : '' ) . '">';
				} elseif ( 'select' === $field['type'] ) {
					echo '<select id="' . esc_attr( $id ) . '" name="' . esc_attr( $input ) . '">';
					foreach ( $field['choices'] as $value => $label ) {
						echo '<option value="' . esc_attr( $value ) . '"' . selected( $stored[ $name ] ?? '', $value, false ) . '>' . esc_html( $label ) . '</option>';
					}
					echo '</select>';
				} else {
					echo '<input type="' . ( 'url' === $field['type'] ? 'url' : 'text' ) . '" class="regular-text" id="' . esc_attr( $id ) . '" name="' . esc_attr( $input ) . '" value="' . esc_attr( $stored[ $name ] ?? '' ) . '">';
				}
				if ( ! empty( $field['help'] ) ) {
					echo '<p class="description">' . esc_html( $field['help'] ) . '</p>';
				}
				echo '</td></tr>';
			}
			echo '</table>';
			submit_button();
			echo '</form></div>';
		}
	}
}
