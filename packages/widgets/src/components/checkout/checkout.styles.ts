import { css } from "lit"

export const checkoutStyles = css`
  .root {
    padding: var(--_space);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 1.5);
    max-width: var(--sratix-max-width, 44em);
  }
  header {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_space) * 0.5) var(--_space);
    align-items: flex-end;
    justify-content: space-between;
  }
  .language {
    display: flex;
    flex-direction: column;
    font-size: 0.9em;
  }
  .language select {
    width: auto;
    min-height: 2.2em;
    padding: 0.2em 0.4em;
  }
  .when {
    color: var(--_muted);
  }
  .steps {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25em 1em;
    list-style: none;
    margin: var(--_space) 0;
    padding: 0;
    font-size: 0.9em;
    color: var(--_muted);
    counter-reset: step;
  }
  .steps li {
    counter-increment: step;
  }
  .steps li::before {
    content: counter(step) ". ";
  }
  .steps li[aria-current="step"] {
    color: var(--_text);
    font-weight: 700;
    text-decoration: underline;
    text-underline-offset: 0.3em;
  }
  .view > h3 {
    margin-bottom: calc(var(--_space) * 0.75);
  }
  .view > h3:focus {
    outline: none;
  }
  .tickets {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .ticket {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_space) * 0.5);
    align-items: center;
    justify-content: space-between;
    padding: calc(var(--_space) * 0.75) 0;
    border-top: 1px solid var(--_border);
  }
  .ticket h4 {
    margin: 0;
    font-size: 1em;
  }
  .ticket .state {
    font-weight: 600;
  }
  .qty {
    display: flex;
    align-items: center;
    gap: 0.25em;
  }
  .qty input {
    width: 4em !important;
    text-align: center;
  }
  .qty button {
    width: 2.5em;
    padding: 0;
    font-weight: 700;
  }
  .attendee {
    padding: var(--_space);
    margin-bottom: var(--_space);
    background: var(--_surface);
    border-radius: var(--_radius);
  }
  .attendee h4 {
    margin: 0 0 calc(var(--_space) * 0.5);
    font-size: 1em;
  }
  .buyer .field {
    margin-bottom: calc(var(--_space) * 0.75);
  }
  .buyer label {
    display: block;
    margin-bottom: 0.25em;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    margin: calc(var(--_space) * 0.5) 0;
  }
  caption {
    text-align: start;
    font-weight: 700;
    padding-bottom: 0.25em;
  }
  th,
  td {
    padding: 0.3em 0;
    text-align: start;
    border-bottom: 1px solid var(--_border);
  }
  td.amount,
  th.amount {
    text-align: end;
    white-space: nowrap;
  }
  tfoot th,
  tfoot td {
    font-weight: 700;
    border-bottom: 0;
  }
  tr.vat th,
  tr.vat td {
    font-weight: 400;
    color: var(--_muted);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_space) * 0.5);
    justify-content: space-between;
    margin-top: var(--_space);
  }
  .actions .primary {
    margin-inline-start: auto;
  }
  .notice {
    margin-top: calc(var(--_space) * 0.75);
  }
  .notice:empty {
    display: none;
  }
  .facts {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.25em var(--_space);
    margin: calc(var(--_space) * 0.5) 0;
  }
  .facts dt {
    font-weight: 600;
  }
  .facts dd {
    margin: 0;
    word-break: break-all;
  }
  .badge {
    display: inline-block;
    padding: 0.05em 0.6em;
    border: 1px solid currentColor;
    border-radius: 999px;
    font-weight: 600;
  }
  .badge.pending {
    color: var(--_text);
  }
  .badge.paid {
    color: var(--_success);
  }
  .payment-options {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    margin: var(--_space) 0 0;
    padding: calc(var(--_space) * 0.75) var(--_space);
  }
  .payment-options legend {
    font-weight: 600;
    padding: 0 0.25em;
  }
  .payment-options .actions {
    justify-content: flex-start;
    margin-top: calc(var(--_space) * 0.5);
  }
  .payment-options .actions .primary {
    margin-inline-start: 0;
  }
`
