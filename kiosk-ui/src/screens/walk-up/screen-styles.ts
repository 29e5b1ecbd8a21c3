/**
 * Layout every walk-up screen shares. A screen is exactly the viewport's height and the page
 * itself never scrolls: `main` scrolls on its own and the actions (the way forward) sit below
 * it, always in view. Each screen is a new element with a new `main`, so it opens at its top
 * whatever the screen before it had scrolled to. Sizes come from the tokens, which follow the
 * viewport; nothing here knows a device.
 */
import { css } from 'lit';

export const screenStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    height: 100vh;
    height: 100dvh;
    padding: var(--page-pad) calc(var(--page-pad) * 2);
    gap: var(--gap);
    overflow: hidden;
  }
  main {
    flex: 1 1 auto;
    min-height: 0;
    overflow-y: auto;
    overscroll-behavior: contain;
    display: flex;
    flex-direction: column;
    gap: var(--gap);
  }
  main > * {
    flex: none;
  }
  .actions {
    flex: none;
    justify-content: space-between;
    margin-top: 0;
  }
  h1 {
    font-size: clamp(1.4rem, 4vmin, 2.6rem);
    margin: 0;
  }
  p {
    margin: 0;
  }
  @media (max-height: 560px) {
    h1 {
      font-size: 1.25rem;
    }
  }
`;
