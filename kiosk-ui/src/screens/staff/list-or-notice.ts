/**
 * The three states of a staff list: still loading, empty, or its items. One place for the
 * wording so every view says "loading" and "nothing here" the same way.
 */
import { html, type TemplateResult } from 'lit';
import { t } from '../../i18n/i18n.js';

export function listOrNotice<T>(
  items: readonly T[] | null,
  list: (items: readonly T[]) => TemplateResult,
): TemplateResult {
  if (items === null) return html`<p>${t('common.loading')}</p>`;
  if (items.length === 0) return html`<p>${t('common.none')}</p>`;
  return list(items);
}
