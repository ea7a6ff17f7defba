import { css } from "lit"

export const scanStyles = css`
  :host {
    display: grid;
    gap: 1rem;
  }
  :host([hidden]) {
    display: none;
  }
  section {
    background: var(--sratix-scanner-surface);
    padding: 1rem;
    border-radius: var(--sratix-scanner-radius);
    display: grid;
    gap: 0.75rem;
  }
  h2 {
    margin: 0;
    font-size: 1.25rem;
  }
  .camera button {
    width: 100%;
    min-height: 72px;
    font-size: 1.375rem;
  }
  .file {
    position: relative;
  }
  .file input {
    position: absolute;
    inset: 0;
    opacity: 0;
    cursor: pointer;
    width: 100%;
  }
  .file span {
    display: flex;
    align-items: center;
    justify-content: center;
    min-height: 56px;
    border: 2px dashed var(--sratix-scanner-muted);
    border-radius: var(--sratix-scanner-radius);
    font-weight: 600;
  }
  .file:focus-within span {
    outline: 3px solid #fff;
    outline-offset: 2px;
  }
  .error {
    color: #ffb3b8;
    font-weight: 600;
    margin: 0;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.5rem;
  }
  li button {
    width: 100%;
    text-align: start;
  }
`
