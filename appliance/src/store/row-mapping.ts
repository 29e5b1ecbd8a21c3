/** Small conversions between SQLite rows and records, shared by the adapters. */
import type { SqlValue } from './sqlite-connection.js';

export function str(v: SqlValue | undefined): string {
  if (typeof v !== 'string') throw new Error(`expected text, got ${typeof v}`);
  return v;
}

export function strOrNull(v: SqlValue | undefined): string | null {
  return v === null || v === undefined ? null : str(v);
}

export function num(v: SqlValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new Error(`expected a number, got ${typeof v}`);
}

export function bytesOrNull(v: SqlValue | undefined): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return new Uint8Array(v);
  throw new Error('expected a blob');
}

export function blob(v: Uint8Array | null): Buffer | null {
  return v === null ? null : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Build "WHERE a = ? AND b = ?" from the defined filters. */
export function where(filters: Record<string, SqlValue | undefined>): {
  sql: string;
  params: SqlValue[];
} {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    parts.push(`${column} = ?`);
    params.push(value);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}
