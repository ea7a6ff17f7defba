import { css } from "lit"

export const appStyles = css`
  :host {
    display: block;
    min-height: 100vh;
    background: var(--sratix-scanner-bg);
    box-sizing: border-box;
    padding: max(0.75rem, env(safe-area-inset-top)) 0.75rem 1.5rem;
  }
  .shell {
    max-width: 40rem;
    margin: 0 auto;
    display: grid;
    gap: 1rem;
  }
  header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 0.5rem;
    flex-wrap: wrap;
  }
  h1 {
    font-size: 1.375rem;
    margin: 0;
  }
  .status {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 1rem;
    background: var(--sratix-scanner-surface);
    padding: 0.75rem 1rem;
    border-radius: var(--sratix-scanner-radius);
  }
  .status p {
    margin: 0;
  }
  .network {
    font-weight: 700;
  }
  .network[data-online="false"] {
    color: var(--sratix-scanner-accent);
  }
  .status button {
    margin-inline-start: auto;
  }
  .problem {
    width: 100%;
    color: #ffb3b8;
    font-weight: 600;
  }
  .meta {
    color: var(--sratix-scanner-muted);
    font-size: 1rem;
    width: 100%;
  }
  .notice {
    background: var(--sratix-scanner-invalid);
    color: #fff;
    padding: 1rem;
    border-radius: var(--sratix-scanner-radius);
    display: grid;
    gap: 0.75rem;
  }
  .notice p {
    margin: 0;
    font-weight: 600;
  }
`
