import { css } from "lit"

export const resultStyles = css`
  :host {
    display: block;
  }
  .verdict {
    border-radius: var(--sratix-scanner-radius);
    padding: 1.5rem 1.25rem;
    min-height: 40vh;
    display: flex;
    flex-direction: column;
    justify-content: center;
    gap: 0.75rem;
    text-align: center;
  }
  .verdict[data-tone="valid"] {
    background: var(--sratix-scanner-valid);
    color: #fff;
  }
  .verdict[data-tone="invalid"] {
    background: var(--sratix-scanner-invalid);
    color: #fff;
  }
  .verdict[data-tone="attention"] {
    background: var(--sratix-scanner-attention);
    color: #111;
  }
  .headline {
    font-size: clamp(2rem, 9vw, 3.25rem);
    font-weight: 800;
    margin: 0;
    line-height: 1.1;
  }
  .symbol {
    font-size: clamp(3rem, 18vw, 6rem);
    line-height: 1;
  }
  .detail {
    font-size: 1.375rem;
    margin: 0;
  }
  .name {
    font-size: 1.75rem;
    font-weight: 700;
    margin: 0;
  }
  ul {
    list-style: none;
    padding: 0;
    margin: 0;
    font-size: 1.375rem;
    font-weight: 700;
  }
  button {
    margin-top: 1rem;
    width: 100%;
    min-height: 72px;
    font-size: 1.375rem;
    color: inherit;
    border-color: currentColor;
  }
`
