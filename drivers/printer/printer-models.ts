/**
 * Printer models as data: which family a model name (`Rtp` answer) belongs to, which reads
 * and sequence commands the family documents, and where that comes from. The driver starts
 * from a family's list at connect time and then probes each read once: what answers
 * `ERROR CDE` is dropped, so polling only ever sends what this printer answered (guide §3;
 * Evolis SDK: `ERROR CDE` = the printer does not have the command). Pure data.
 *
 * Sources, by weight: the Programming Guide A5013 rev. E per-command ticks
 * (`evolis-command-table.ts`); Evolis' Windows driver job stream for a Dualys 3
 * (dpavlin/Printer-EVOLIS, test.windows/); the Evolis C SDK header `evolis.h`
 * (Evolis-SA/evolis-sdk-swift) for newer model names; third-party code built on that SDK for
 * newer firmware replies (`Rlr;p` → `OK`/`CARD`/`SMART CARD`/`CONTACTLESS CARD`,
 * `Rrt;count`, `ERR RIB DETECTION`).
 */

import { REV_E_COMMANDS, type RevEModel } from './evolis-command-table.js';

export type PrinterFamily = RevEModel | 'newer' | 'unknown';

/** The reads the driver may poll, each as the exact command text. */
export type StatusRead =
  | 'Rlr;p'
  | 'Rlr;r'
  | 'Rcr'
  | 'Rr'
  | 'Rco;c'
  | 'Rco;p'
  | 'Rco;l'
  | 'Rrt;count'
  | 'Rse;o'
  | 'Sk;f'
  | 'Sk;w';

export interface PrinterModelProfile {
  family: PrinterFamily;
  label: string;
  /** `Rlr;p` vocabulary: rev. E (`NO CARD`/`ERR CARD`) or newer (`OK`/`CARD`/…). */
  cardSensorWords: 'rev_e' | 'newer' | 'either';
  /** Reads to probe at connect time; those answered `ERROR CDE` are dropped. */
  reads: readonly StatusRead[];
  /** `Sr` before the front side's downloads (guide p. 43 ticks Dualys and Quantum only). */
  selectsFrontSide: boolean;
  /** `Sv` exists (a back side can be downloaded). */
  printsBack: boolean;
  /** `Sis`: park the card under the smart-card contact station (guide p. 59). */
  contactStation: boolean;
  /** `Sic`: the contactless station (guide p. 43). */
  contactlessStation: boolean;
  /** `Scp`: the cleaning cycle (guide p. 41). */
  cleaning: boolean;
  source: string;
}

function revE(model: RevEModel, label: string): PrinterModelProfile {
  const has = (command: string): boolean =>
    REV_E_COMMANDS[command]?.models.includes(model) ?? false;
  const reads: StatusRead[] = ['Rlr;p', 'Rlr;r', 'Rr', 'Rco;c', 'Rco;p', 'Rco;l'];
  if (has('Rcr')) reads.push('Rcr');
  if (has('Rse')) reads.push('Rse;o');
  if (has('Sk')) reads.push('Sk;f', 'Sk;w');
  return {
    family: model,
    label,
    cardSensorWords: 'rev_e',
    reads,
    selectsFrontSide: has('Sr'),
    printsBack: has('Sv'),
    contactStation: has('Sis'),
    contactlessStation: has('Sic'),
    cleaning: has('Scp'),
    source: `Programming Guide A5013 rev. E, per-command ticks for ${label}`,
  };
}

export const MODEL_PROFILES: Readonly<Record<PrinterFamily, PrinterModelProfile>> = {
  tattoo: revE('tattoo', 'Tattoo'),
  new_pebble: revE('new_pebble', 'New Pebble'),
  dualys: revE('dualys', 'Dualys'),
  quantum: revE('quantum', 'Quantum'),
  kiosk: revE('kiosk', 'Kiosk'),
  // Primacy, Zenius, Elypso, KC-series, Agilia… (model names from `evolis.h`; Avansia is left
  // out: the SDK says it speaks another protocol). No public
  // command table exists for them; third-party code on the SDK shows the reads below. That
  // they park a card with `Sis` and select the front with `Sr` is ASSUMED (the SDK's
  // EVOLIS_CP_CONTACT position and the `SMART CARD` answer show a contact station exists);
  // probing at connect time confirms the reads, a refused `Sis` names the gap.
  newer: {
    family: 'newer',
    label: 'newer Evolis (Primacy, Zenius, KC…)',
    cardSensorWords: 'newer',
    reads: ['Rlr;p', 'Rlr;r', 'Rcr', 'Rr', 'Rco;c', 'Rco;p', 'Rrt;count', 'Rse;o'],
    selectsFrontSide: true,
    printsBack: true,
    contactStation: true,
    contactlessStation: true,
    cleaning: true,
    source: 'evolis.h model list; third-party code on the Evolis SDK (Rlr;p, Rrt;count)',
  },
  // A model name we cannot place: probe everything, understand either vocabulary, and send
  // only the commands every rev. E model has, plus `Sr` (harmless where it exists).
  unknown: {
    family: 'unknown',
    label: 'unrecognised Evolis model',
    cardSensorWords: 'either',
    reads: ['Rlr;p', 'Rlr;r', 'Rcr', 'Rr', 'Rco;c', 'Rco;p', 'Rco;l', 'Rrt;count', 'Rse;o'],
    selectsFrontSide: false,
    printsBack: true,
    contactStation: true,
    contactlessStation: true,
    cleaning: true,
    source: 'none: capabilities learned by probing only',
  },
};

/**
 * The family of a model name as `Rtp` answers it. What exactly `Rtp` returns is not printed in
 * the guide (p. 38 "Reads the printer type (model)"); we match the product names, case
 * insensitive, anywhere in the answer. ASSUMED: the answer contains the product name; a real
 * printer's `Rtp` answer would confirm it (the README asks installers to report theirs).
 */
export function familyOfModelName(name: string | undefined): PrinterFamily {
  const n = (name ?? '').toLowerCase();
  if (/tattoo/.test(n)) return 'tattoo';
  if (/pebble/.test(n)) return 'new_pebble';
  if (/dualys/.test(n)) return 'dualys';
  if (/quantum/.test(n)) return 'quantum';
  if (/kiosk/.test(n)) return 'kiosk';
  if (
    /primacy|zenius|elypso|altess|agilia|apteo|badgy|asmi|avansia|\bkc ?\d|\bkc[ _-]?(essential|prime|max)|\bkm ?\d/.test(
      n,
    )
  )
    return 'newer';
  return 'unknown';
}
