import { css } from "lit"

export const formStyles = css`
  .root {
    background: transparent;
  }
  .section + .section,
  .field + .field,
  .section > .field:first-of-type {
    margin-top: calc(var(--_space) * 0.9);
  }
  .section > legend {
    font-size: 1.05em;
    margin-bottom: calc(var(--_space) * 0.25);
  }
  .group {
    padding: calc(var(--_space) * 0.75);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  .group > legend {
    padding: 0 0.25em;
  }
  .field > label,
  .field > fieldset > legend {
    display: block;
    margin-bottom: 0.25em;
  }
  .choice {
    display: flex;
    align-items: flex-start;
    font-weight: 400;
    margin-top: 0.25em;
  }
  .required {
    color: var(--_danger);
    margin-inline-start: 0.2em;
  }
  .help,
  .error {
    margin-top: 0.25em;
  }
  .error:empty {
    display: none;
  }
`
