/** Layout every walk-up screen shares: a full-height page, large type, actions at the bottom. */
import { css } from 'lit';

export const screenStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    min-height: 100vh;
    padding: 32px 48px;
    gap: var(--gap);
  }
  main {
    flex: 1;
    display: flex;
    flex-direction: column;
    gap: var(--gap);
  }
  .actions {
    justify-content: space-between;
  }
`;
