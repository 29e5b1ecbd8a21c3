/**
 * Styles most components share: buttons and fields sized for touch (≥ 48 px; walk-up uses
 * 56 px), a visible focus ring for keyboard users, and a visually hidden class for labels
 * that only screen readers need. Each component adds its own styles next to its code.
 */
import { css } from 'lit';

export const sharedStyles = css`
  :host {
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  button {
    font: inherit;
    min-height: var(--touch);
    min-width: var(--touch);
    padding: 0 24px;
    border-radius: var(--radius);
    border: 2px solid var(--primary);
    background: var(--surface);
    color: var(--primary);
    cursor: pointer;
    font-weight: 600;
  }
  button.primary {
    background: var(--primary);
    color: var(--primary-text);
  }
  button.danger {
    border-color: var(--danger);
    color: var(--danger);
  }
  button.danger.primary {
    background: var(--danger);
    color: var(--primary-text);
  }
  button:disabled {
    opacity: 0.6;
    cursor: not-allowed;
  }
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  textarea:focus-visible,
  a:focus-visible,
  [tabindex]:focus-visible {
    outline: 4px solid var(--focus);
    outline-offset: 2px;
  }
  a {
    color: var(--primary);
  }
  /* A link that is a touch target on its own (not a word in a sentence). */
  a.touch {
    display: inline-flex;
    align-items: center;
    min-height: 48px;
    min-width: 48px;
    padding: 0 12px;
    font-weight: 600;
  }
  input,
  select,
  textarea {
    font: inherit;
    min-height: var(--touch);
    padding: 8px 12px;
    border: 2px solid var(--border);
    border-radius: 8px;
    color: var(--text);
    background: var(--surface);
    width: 100%;
  }
  label {
    display: block;
    font-weight: 600;
    margin-bottom: 6px;
  }
  h1,
  h2,
  h3 {
    margin: 0 0 var(--gap);
    line-height: 1.2;
  }
  h1 {
    font-size: 2rem;
  }
  h2 {
    font-size: 1.5rem;
  }
  h3 {
    font-size: 1.2rem;
  }
  p {
    line-height: 1.45;
  }
  .muted {
    color: var(--text-muted);
  }
  .error {
    color: var(--danger);
    font-weight: 600;
  }
  .notice {
    background: var(--warn-bg);
    color: var(--warn-text);
    border-radius: var(--radius);
    padding: 12px 16px;
    font-weight: 600;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: var(--gap);
    align-items: center;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--gap);
    justify-content: flex-end;
    margin-top: var(--gap);
  }
  .card {
    border: 1px solid var(--border);
    border-radius: var(--radius);
    padding: var(--gap);
    background: var(--surface);
  }
  ul.plain {
    list-style: none;
    padding: 0;
    margin: 0;
    display: grid;
    gap: 12px;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
