/** Migrations in order. Add a file per change; never edit one that has shipped. */
import { migration0001 } from './0001-initial-schema.js';
import { migration0002 } from './0002-certificate-authority.js';
import { migration0003 } from './0003-card-certificate-serial.js';
import { migration0004 } from './0004-central-sync.js';
import { migration0005 } from './0005-crash-consistency.js';
import { migration0015 } from './0015-scheduled-jobs.js';
import { migration0016 } from './0016-certificate-holds.js';
import { migration0017 } from './0017-card-lifecycle.js';
import { migration0020 } from './0020-visits.js';
import { migration0035 } from './0035-card-attestation.js';
import { migration0040 } from './0040-card-renewals.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0015,
  migration0016,
  migration0017,
  migration0020,
  migration0035,
  migration0040,
];
