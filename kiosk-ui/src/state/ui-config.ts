/**
 * Settings the kiosk browser passes in its URL (the systemd kiosk unit sets them), so a site
 * can tune them without a rebuild: `?idle=60` seconds before the walk-up screens forget
 * everything, `?staffIdle=180` seconds before the staff console signs out, `?lang=nl`.
 */
export interface UiConfig {
  walkUpIdleMs: number;
  staffIdleMs: number;
  lang: string | null;
}

export const DEFAULT_WALK_UP_IDLE_S = 60;
export const DEFAULT_STAFF_IDLE_S = 180;

function seconds(value: string | null, fallback: number): number {
  const n = value === null ? NaN : Number(value);
  // Below a second a person could not finish a tap; above a day is a typo.
  return Number.isFinite(n) && n >= 1 && n <= 86_400 ? n * 1000 : fallback * 1000;
}

export function readUiConfig(search: string): UiConfig {
  const q = new URLSearchParams(search);
  return {
    walkUpIdleMs: seconds(q.get('idle'), DEFAULT_WALK_UP_IDLE_S),
    staffIdleMs: seconds(q.get('staffIdle'), DEFAULT_STAFF_IDLE_S),
    lang: q.get('lang'),
  };
}
