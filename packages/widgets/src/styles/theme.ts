import { css } from "lit"

/**
 * Design tokens and the isolation reset every widget shares.
 *
 * Tier one is the public `--sratix-*` custom properties a host page sets (they inherit through the
 * shadow boundary, which is the one thing meant to cross it). Tier two is the private `--_*`
 * properties each widget derives from them, with light or dark defaults.
 *
 * `.root` resets every inherited property with `all: initial`: a host page's `* { font: … }` or
 * `body { color: … }` reaches the host element and would otherwise inherit into the shadow tree.
 * Sizes are in px and em, not rem, because `html { font-size }` belongs to the host page.
 */
const darkTokens = css`
  --_bg: var(--sratix-color-background, #16181c);
  --_surface: var(--sratix-color-surface, #1f2329);
  --_text: var(--sratix-color-text, #eef0f3);
  --_muted: var(--sratix-color-muted, #b4bcc6);
  --_border: var(--sratix-color-border, #8a94a0);
  --_accent: var(--sratix-color-accent, #8cc2ff);
  --_on-accent: var(--sratix-color-on-accent, #0b1a2b);
  --_danger: var(--sratix-color-danger, #ffa099);
  --_success: var(--sratix-color-success, #86e09a);
  color-scheme: dark;
`

export const themeStyles = css`
  :host {
    display: block;
  }
  :host([hidden]) {
    display: none;
  }
  .root {
    all: initial;
    display: block;
    box-sizing: border-box;
    --_bg: var(--sratix-color-background, #ffffff);
    --_surface: var(--sratix-color-surface, #f4f6f8);
    --_text: var(--sratix-color-text, #1a1d21);
    --_muted: var(--sratix-color-muted, #4d5560);
    --_border: var(--sratix-color-border, #6f7883);
    --_accent: var(--sratix-color-accent, #0b5cad);
    --_on-accent: var(--sratix-color-on-accent, #ffffff);
    --_danger: var(--sratix-color-danger, #b3261e);
    --_success: var(--sratix-color-success, #1e6b34);
    --_radius: var(--sratix-radius, 6px);
    --_space: var(--sratix-space, 16px);
    color-scheme: light;
    font-family: var(--sratix-font-family, system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif);
    font-size: var(--sratix-font-size, 16px);
    line-height: 1.5;
    color: var(--_text);
    background: var(--_bg);
    text-align: start;
  }
  .root[data-theme="dark"] {
    ${darkTokens}
  }
  @media (prefers-color-scheme: dark) {
    .root[data-theme="auto"] {
      ${darkTokens}
    }
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  [hidden] {
    display: none !important;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  h2,
  h3,
  h4,
  p,
  fieldset,
  legend,
  ul,
  ol,
  dl,
  dd {
    margin: 0;
    padding: 0;
  }
  h2 {
    font-size: 1.35em;
    line-height: 1.25;
  }
  h3 {
    font-size: 1.1em;
  }
  fieldset {
    border: 0;
    min-width: 0;
  }
  label,
  legend {
    font-weight: 600;
  }
  input,
  select,
  textarea,
  button {
    font: inherit;
    color: inherit;
    letter-spacing: inherit;
  }
  input:not([type="checkbox"]):not([type="radio"]),
  select,
  textarea {
    display: block;
    width: 100%;
    min-height: 2.5em;
    padding: 0.4em 0.6em;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
  }
  input[type="checkbox"],
  input[type="radio"] {
    width: 1.15em;
    height: 1.15em;
    margin: 0.2em 0.5em 0 0;
    accent-color: var(--_accent);
    flex: none;
  }
  input[aria-invalid="true"],
  select[aria-invalid="true"],
  textarea[aria-invalid="true"] {
    border-color: var(--_danger) !important;
    box-shadow: 0 0 0 1px var(--_danger);
  }
  button {
    cursor: pointer;
    min-height: 2.5em;
    padding: 0.4em 1em;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  button.primary {
    border-color: var(--_accent);
    background: var(--_accent);
    color: var(--_on-accent);
    font-weight: 600;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  .muted {
    color: var(--_muted);
  }
  .error {
    color: var(--_danger);
    font-size: 0.9em;
  }
  .help {
    color: var(--_muted);
    font-size: 0.9em;
  }
`
