import { describe, expect, it } from 'vitest';
import {
  RETENTION_DEFAULTS,
  retentionCutoff,
  termsText,
} from '../../../../appliance/src/core/retention/retention-policy.js';

describe('site terms from the retention settings', () => {
  it('states each configured period, in English and Dutch', () => {
    const policy = { visitorDetails: 14, photos: 0, requests: 90, audit: 400 };
    const en = termsText(policy, 'en', 'HQ');
    expect(en).toContain('they are deleted 14 days after your visit ends');
    expect(en).toContain('Your photo is deleted on the day your visit ends');
    expect(en).toContain('deleted 90 days after your visit ends');
    expect(en).toContain('kept for 400 days');
    const nl = termsText(policy, 'nl', 'HQ');
    expect(nl).toContain('ze worden verwijderd 14 dagen nadat uw bezoek eindigt');
    expect(nl).toContain('400 dagen bewaard');
  });

  it('does not promise deletion the configuration does not do', () => {
    const en = termsText({ ...RETENTION_DEFAULTS, visitorDetails: null }, 'en', 'HQ');
    expect(en).toContain('they are kept until staff delete them');
    expect(en).not.toMatch(/they are deleted/);
    expect(
      retentionCutoff(
        { ...RETENTION_DEFAULTS, visitorDetails: null },
        'visitorDetails',
        new Date(),
      ),
    ).toBeNull();
  });

  it('cuts off whole days before now', () => {
    const now = new Date('2040-03-01T12:00:00Z');
    expect(retentionCutoff(RETENTION_DEFAULTS, 'visitorDetails', now)?.toISOString()).toBe(
      '2040-01-31T12:00:00.000Z',
    );
  });
});
