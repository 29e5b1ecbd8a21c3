/**
 * Which Rev. E printer answers which command, as data. Source: the per-command pages of the
 * "Evolis Card Printers Programming Guide" A5013 rev. E (p. 13–68): each command's heading is
 * followed by a row of ticks under Tattoo, New Pebble, Dualys, Quantum and Kiosk (the summary
 * table on p. 11–12 lost its ticks in the public PDF; the per-command rows did not). Only the
 * commands the driver or the simulator use, plus the ones Evolis' Windows driver sends, are
 * listed; the guide's other commands are left out on purpose.
 *
 * A command a model does not have is answered `ERROR CDE` (guide §3 answers; Evolis SDK
 * `EVOLIS_REPLY_IS_ERROR_CDE`). Pure data: no I/O.
 */

export type RevEModel = 'tattoo' | 'new_pebble' | 'dualys' | 'quantum' | 'kiosk';

export const REV_E_MODELS: readonly RevEModel[] = [
  'tattoo',
  'new_pebble',
  'dualys',
  'quantum',
  'kiosk',
];

const ALL = REV_E_MODELS;
const NOT_TATTOO: readonly RevEModel[] = ['new_pebble', 'dualys', 'quantum', 'kiosk'];
const QUANTUM_KIOSK: readonly RevEModel[] = ['quantum', 'kiosk'];

/** Command name (the letters before the first `;`) → models whose page ticks it. */
export const REV_E_COMMANDS: Readonly<
  Record<string, { models: readonly RevEModel[]; page: number }>
> = {
  // D — downloads (p. 14–16)
  Db: { models: ALL, page: 14 },
  Dbc: { models: ALL, page: 15 },
  // M — motors (p. 17–18). `Mr` is sent by Evolis' Windows driver (`Mr;s`).
  Mr: { models: ALL, page: 18 },
  // P — parameters (p. 19–30)
  Pc: { models: ALL, page: 19 },
  Pem: { models: ALL, page: 20 },
  Pl: { models: ALL, page: 22 },
  Pmi: { models: NOT_TATTOO, page: 22 },
  Pr: { models: ALL, page: 25 },
  Ps: { models: ALL, page: 26 },
  Pos: { models: QUANTUM_KIOSK, page: 57 },
  Pcom: { models: ALL, page: 7 },
  // R — reads (p. 31–39)
  Rco: { models: ALL, page: 31 },
  Rcr: { models: NOT_TATTOO, page: 32 },
  Rem: { models: ALL, page: 32 },
  Rfv: { models: QUANTUM_KIOSK, page: 32 },
  Rlr: { models: ALL, page: 34 },
  Rr: { models: ALL, page: 36 },
  Rse: { models: QUANTUM_KIOSK, page: 37 },
  Rsn: { models: ALL, page: 38 },
  Rtp: { models: ALL, page: 38 },
  Rcom: { models: ALL, page: 7 },
  // S — sequences (p. 40–45, 59, 64)
  Scp: { models: ALL, page: 41 },
  Se: { models: ALL, page: 42 },
  Seb: { models: ALL, page: 42 },
  Ser: { models: ALL, page: 42 },
  Si: { models: ALL, page: 42 },
  Sic: { models: NOT_TATTOO, page: 43 },
  Sis: { models: QUANTUM_KIOSK, page: 59 },
  Sk: { models: QUANTUM_KIOSK, page: 64 },
  Sr: { models: ['dualys', 'quantum'], page: 43 },
  Srs: { models: ALL, page: 44 },
  Ss: { models: ALL, page: 44 },
  Sv: { models: NOT_TATTOO, page: 45 },
};

/** Whether the guide ticks `command` for `model`. Unlisted commands are not known. */
export function revEModelKnows(model: RevEModel, command: string): boolean {
  return REV_E_COMMANDS[command]?.models.includes(model) ?? false;
}
