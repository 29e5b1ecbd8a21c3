/**
 * The walk-up's details, typed on the on-screen keyboard: name; company; the host for a
 * visitor; e-mail; purpose; the last day for a contractor. Only the name is checked here
 * (an empty form is never worth a round trip); everything else is the server's to judge.
 *
 * The keyboard is part of the layout, not an overlay: the screen is a column of the fields
 * (which scroll on their own), the actions and the keyboard, so nothing is ever behind the
 * keyboard. The field being typed into, with the host matches under it, is kept in view
 * within the fields' area. In portrait the fields sit right above the keyboard.
 */
import { html, css } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { Host } from '../../data/api-types.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { dayFromToday, type WalkUpDraft } from '../../state/walk-up-draft.js';
import { sharedStyles } from '../../styles/shared.js';
import { screenStyles } from './screen-styles.js';
import { goTo, patchDraft } from './walk-up-events.js';
import type { KioskTextField } from '../../components/kiosk-text-field.js';
import '../../components/kiosk-text-field.js';
import '../../components/kiosk-host-picker.js';
import '../../components/kiosk-date-stepper.js';
import '../../components/kiosk-onscreen-keyboard.js';

type Field = HTMLInputElement | HTMLTextAreaElement;

@customElement('kiosk-details-screen')
export class KioskDetailsScreen extends LocalizedElement {
  static override styles = [
    sharedStyles,
    screenStyles,
    css`
      form {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 13em), 1fr));
        gap: var(--gap) calc(var(--gap) * 2);
      }
      .wide {
        grid-column: 1 / -1;
      }
      /* Fields (scrolling on their own), the actions, the keyboard: a grid, so the keyboard
         takes its rows and the fields the rest, never one over the other. */
      :host {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        grid-template-rows: minmax(0, 1fr) auto auto;
        grid-template-areas: 'fields' 'actions' 'keyboard';
      }
      main {
        grid-area: fields;
      }
      .actions {
        grid-area: actions;
      }
      kiosk-onscreen-keyboard {
        grid-area: keyboard;
      }
      /* A short landscape screen (the 7" panel): the actions move beside the fields, so the
         height above the keyboard is all for the fields. */
      @media (max-height: 560px) and (orientation: landscape) {
        :host {
          grid-template-columns: minmax(0, 1fr) auto;
          grid-template-rows: minmax(0, 1fr) auto;
          grid-template-areas: 'fields actions' 'keyboard keyboard';
        }
        .actions {
          flex-direction: column-reverse;
          justify-content: flex-end;
          flex-wrap: nowrap;
        }
        form {
          grid-template-columns: repeat(auto-fit, minmax(min(100%, 11.5em), 1fr));
          row-gap: 4px;
        }
      }
      @media (orientation: portrait) {
        /* Spare height goes above the title, so the fields meet the keyboard. */
        main > h1 {
          margin-top: auto;
        }
      }
    `,
  ];

  @property({ attribute: false }) draft!: WalkUpDraft;
  @state() private keyboardTarget: Field | null = null;
  @state() private nameError = '';
  @query('kiosk-text-field[data-field="name"]') private nameField!: KioskTextField;
  @query('kiosk-text-field[data-field="email"]') private emailField?: KioskTextField;
  @query('main') private area!: HTMLElement;

  protected override firstUpdated(): void {
    this.nameField.focus();
  }

  // The keyboard types into whichever field the person touched last.
  private onFocusIn(e: FocusEvent): void {
    const path = e.composedPath();
    const origin = path[0];
    if (origin instanceof HTMLInputElement || origin instanceof HTMLTextAreaElement)
      this.keyboardTarget = origin;
    // The host picker as a whole, so its matches show with the field.
    const block = path.find(
      (n) =>
        n instanceof HTMLElement &&
        (n.localName === 'kiosk-host-picker' || n.localName === 'kiosk-text-field'),
    );
    if (block instanceof HTMLElement) this.reveal(block);
  }

  /**
   * Scroll the fields' area (never the page) so that `el` is in it: the least scrolling that
   * shows all of it, or its top when it is taller than the area.
   */
  private reveal(el: HTMLElement): void {
    const area = this.area.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    if (box.top >= area.top && box.bottom <= area.bottom) return;
    const delta =
      box.height > area.height || box.top < area.top
        ? box.top - area.top
        : box.bottom - area.bottom;
    this.area.scrollTop += delta;
  }

  private onHostChanged(e: CustomEvent<Host | null>): void {
    patchDraft(this, { host: e.detail });
    // Chosen: the keyboard moves on to the next field.
    if (e.detail) this.emailField?.focus();
  }

  private field(key: 'name' | 'company' | 'email' | 'purpose', label: string, wide = false) {
    return html`<kiosk-text-field
      class=${wide ? 'wide' : ''}
      data-field=${key}
      label=${label}
      .value=${this.draft[key]}
      maxlength=${key === 'purpose' ? 200 : 120}
      .error=${key === 'name' ? this.nameError : ''}
      ?required=${key === 'name'}
      @value-changed=${(e: CustomEvent<string>) => {
        if (key === 'name') this.nameError = '';
        patchDraft(this, { [key]: e.detail });
      }}
    ></kiosk-text-field>`;
  }

  private next(): void {
    if (!this.draft.name.trim()) {
      this.nameError = t('details.nameRequired');
      this.nameField.focus();
      return;
    }
    goTo(this, 'photo');
  }

  override render() {
    const kind = this.draft.kind;
    return html`<main @focusin=${this.onFocusIn}>
        <h1>${t('details.title')}</h1>
        <form @submit=${(e: Event) => e.preventDefault()}>
          ${this.field('name', t('details.name'))} ${this.field('company', t('details.company'))}
          ${
            kind === 'visitor'
              ? html`<kiosk-host-picker
                  label=${t('details.host')}
                  .host=${this.draft.host}
                  @host-changed=${(e: CustomEvent<Host | null>) => this.onHostChanged(e)}
                  @matches-shown=${(e: Event) => this.reveal(e.target as HTMLElement)}
                ></kiosk-host-picker>`
              : null
          }
          ${
            kind === 'contractor'
              ? html`<kiosk-date-stepper
                  label=${t('details.validUntil')}
                  .value=${this.draft.validUntil}
                  min=${dayFromToday(0)}
                  @value-changed=${(e: CustomEvent<string>) => patchDraft(this, { validUntil: e.detail })}
                ></kiosk-date-stepper>`
              : null
          }
          ${this.field('email', t('details.email'))}
          ${kind === 'employee' ? null : this.field('purpose', t('details.purpose'))}
        </form>
      </main>
      <div class="actions">
        <button type="button" @click=${() => goTo(this, 'kind')}>${t('common.back')}</button>
        <button type="button" class="primary" @click=${() => this.next()}>
          ${t('common.next')}
        </button>
      </div>
      <kiosk-onscreen-keyboard
        .target=${this.keyboardTarget}
        @keyboard-done=${() => this.next()}
      ></kiosk-onscreen-keyboard>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-details-screen': KioskDetailsScreen;
  }
}
