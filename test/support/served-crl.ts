/** Fetch the CRL and chain the appliance serves and read the CRL with `openssl crl -verify`. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestApp } from './build-test-app.js';

export interface ServedCrl {
  contentType: string | undefined;
  /** `openssl crl -text` output, serials upper case without colons for easy matching. */
  text: string;
  serials: string;
  verified: boolean;
}

export async function readServedCrl(t: TestApp, dir: string): Promise<ServedCrl> {
  const crl = await t.call({ method: 'GET', url: '/ca/crl' });
  const chain = await t.call({ method: 'GET', url: '/ca/chain.pem' });
  writeFileSync(join(dir, 'crl.der'), crl.rawPayload);
  writeFileSync(join(dir, 'chain.pem'), chain.body);
  // Asynchronous: a card emulator in this process may need to keep answering meanwhile.
  const { stdout, stderr } = await promisify(execFile)('openssl', [
    'crl',
    '-inform',
    'DER',
    '-in',
    join(dir, 'crl.der'),
    '-CAfile',
    join(dir, 'chain.pem'),
    '-noout',
    '-text',
    '-verify',
  ]);
  return {
    contentType: crl.headers['content-type'] as string | undefined,
    text: stdout,
    serials: stdout.toUpperCase().replace(/:/g, ''),
    verified: /verify OK/.test(stderr + stdout),
  };
}
