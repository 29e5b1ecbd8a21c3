/** The device configuration: checked at start-up, with clear messages; certificate profiles from it. */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configuredProfiles } from '../../appliance/src/ca/index.js';
import { checkConfig, defaultConfig } from '../../appliance/src/config.js';
import { buildTestApp } from '../support/build-test-app.js';
import { addPerson, crewFor, ok, post, produceCard } from '../support/workflow-driver.js';

describe('device configuration', () => {
  it('accepts the embedded defaults', () => {
    expect(() => checkConfig(defaultConfig('/tmp/state'))).not.toThrow();
  });

  it.each([
    ['an unknown key', { pinLenght: 6 }, /pinLenght|additional/i],
    ['a PIN length outside 6-8', { pinLength: 4 }, /pinLength/],
    ['an unknown printer driver', { printer: { driver: 'laser' } }, /printer/],
    [
      'an EKU that is not an OID',
      { certificateProfiles: { visitor: { extendedKeyUsages: ['clientAuth'] } } },
      /certificateProfiles/,
    ],
  ])('refuses %s with a message naming it', (_what, change, message) => {
    expect(() => checkConfig({ ...defaultConfig('/tmp/state'), ...change })).toThrow(message);
  });

  it('merges certificate profile overrides over the defaults, per card type', () => {
    const profiles = configuredProfiles({
      visitor: { organizationalUnit: 'Guests', extendedKeyUsages: ['1.3.6.1.5.5.7.3.2'] },
    });
    expect(profiles.visitor).toMatchObject({
      cardType: 'visitor',
      organizationalUnit: 'Guests',
      extendedKeyUsages: ['1.3.6.1.5.5.7.3.2'],
      maxValidityDays: 1,
    });
    expect(profiles.employee.organizationalUnit).toBe('Employees');
  });

  it('issues Digital ID certificates with the configured profile', async () => {
    const t = await buildTestApp({
      config: { certificateProfiles: { visitor: { organizationalUnit: 'Guests' } } } as never,
    });
    try {
      const crew = await crewFor(t);
      const { id } = await produceCard(
        t,
        crew.officer,
        await addPerson(t, crew.officer, 'visitor'),
        'PcmProcVisitorCardWithoutApproval',
      );
      await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
      await t.appliance.services.production.whenIdle();
      const card = await t.store.read((tx) => tx.cards.getByRequest(id));
      expect(new X509Certificate(Buffer.from(card!.certificateDer!)).subject).toContain(
        'OU=Guests',
      );
    } finally {
      await t.dispose();
    }
  });
});
