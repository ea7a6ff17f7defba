import { css } from "lit"

export const enrolStyles = css`
  :host {
    display: block;
  }
  form {
    display: grid;
    gap: 1rem;
    background: var(--sratix-scanner-surface);
    padding: 1.25rem;
    border-radius: var(--sratix-scanner-radius);
  }
  h2 {
    margin: 0;
  }
  p {
    margin: 0;
    color: var(--sratix-scanner-muted);
  }
  input {
    width: 100%;
    font-family: ui-monospace, monospace;
  }
  .error {
    color: #ffb3b8;
    font-weight: 600;
  }
`
