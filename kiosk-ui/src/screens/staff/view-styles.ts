/** Layout shared by the staff console's views: sections of lists with actions per item. */
import { css } from 'lit';

export const viewStyles = css`
  :host {
    display: block;
  }
  section {
    margin-bottom: 32px;
  }
  li.card {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    align-items: center;
    gap: var(--gap);
  }
  li.card p {
    margin: 4px 0;
  }
  .who {
    font-weight: 700;
    font-size: 1.1rem;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 8px 12px;
    border-bottom: 1px solid var(--border);
    vertical-align: top;
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 6px 24px;
    margin: 0;
  }
  dt {
    font-weight: 600;
  }
  dd {
    margin: 0;
  }
`;
