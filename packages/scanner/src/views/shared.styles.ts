import { css } from "lit"

/** Tokens and controls every screen shares: large touch targets (≥ 56 px), high contrast, dark by default. */
export const baseStyles = css`
  :host {
    --sratix-scanner-bg: #0b1020;
    --sratix-scanner-surface: #1b2440;
    --sratix-scanner-text: #f5f7fb;
    --sratix-scanner-muted: #c3cbe0;
    --sratix-scanner-accent: #fca311;
    --sratix-scanner-valid: #0b7a3b;
    --sratix-scanner-invalid: #b3121f;
    --sratix-scanner-attention: #f2c200;
    --sratix-scanner-radius: 14px;
    color: var(--sratix-scanner-text);
    font-size: 1.125rem;
    line-height: 1.4;
  }
  button,
  input,
  select {
    font: inherit;
    min-height: 56px;
    border-radius: var(--sratix-scanner-radius);
  }
  button {
    min-width: 56px;
    padding: 0 1.25rem;
    border: 2px solid transparent;
    background: var(--sratix-scanner-accent);
    color: #111;
    font-weight: 700;
    cursor: pointer;
  }
  button.secondary {
    background: transparent;
    color: var(--sratix-scanner-text);
    border-color: var(--sratix-scanner-muted);
  }
  button:focus-visible,
  input:focus-visible,
  select:focus-visible {
    outline: 3px solid #fff;
    outline-offset: 2px;
  }
  input,
  select {
    padding: 0 0.75rem;
    border: 2px solid var(--sratix-scanner-muted);
    background: var(--sratix-scanner-surface);
    color: var(--sratix-scanner-text);
    box-sizing: border-box;
  }
  label {
    display: block;
    font-weight: 600;
    margin-bottom: 0.25rem;
  }
  .row {
    display: flex;
    gap: 0.5rem;
    flex-wrap: wrap;
  }
  .row > input {
    flex: 1 1 12rem;
    min-width: 0;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`
