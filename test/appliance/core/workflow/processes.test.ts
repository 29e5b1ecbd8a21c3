import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_PROCESSES,
  ProcessCatalog,
  needsCertificate,
} from '../../../../appliance/src/core/workflow/processes.js';

const SEED_NAMES = [
  'CCProcUSSPEmployeeCardWithApproval',
  'PcmProcUSSPEmployeeCardWithApproval',
  'CCProcUSSPEmployeeCardWithoutApproval',
  'PcmProcUSSPEmployeeCardWithoutApproval',
  'CCProcEmployeeCardWithApproval',
  'PcmProcEmployeeCardWithApproval',
  'CCProcEmployeeCardWithoutApproval',
  'PcmProcEmployeeCardWithoutApproval',
  'CCProcContractorCardWithApproval',
  'PcmProcContractorCardWithApproval',
  'CCProcContractorCardWithoutApproval',
  'PcmProcContractorCardWithoutApproval',
  'CCProcVisitorCardWithApproval',
  'PcmProcVisitorCardWithApproval',
  'CCProcVisitorCardWithoutApproval',
  'PcmProcVisitorCardWithoutApproval',
];

describe('process catalog', () => {
  it('holds the 16 processes of the seed by their technical names', () => {
    expect(BUILT_IN_PROCESSES.map((p) => p.name).sort()).toEqual([...SEED_NAMES].sort());
  });

  it('derives each definition from its name', () => {
    for (const p of BUILT_IN_PROCESSES) {
      expect(p.idType).toBe(p.name.startsWith('Pcm') ? 'digital' : 'physical');
      expect(p.approval).toBe(!p.name.endsWith('WithoutApproval'));
      expect(p.channel).toBe(p.name.includes('USSP') ? 'self-service' : 'identity-manager');
      expect(p.name.toLowerCase()).toContain(p.cardType);
      expect(needsCertificate(p)).toBe(p.idType === 'digital');
    }
  });

  it('takes site-specific processes of the same shape and refuses bad ones', () => {
    const site = {
      name: 'SiteVisitorDayPass',
      idType: 'physical',
      cardType: 'visitor',
      channel: 'self-service',
      approval: false,
      label: 'Day pass',
    } as const;
    const catalog = new ProcessCatalog([site], ['SiteVisitorDayPass']);
    expect(catalog.isEnabled('SiteVisitorDayPass')).toBe(true);
    expect(catalog.isEnabled('CCProcVisitorCardWithApproval')).toBe(false);
    expect(
      () => new ProcessCatalog([{ ...site, name: 'CCProcVisitorCardWithApproval' }], []),
    ).toThrow(/defined twice/);
    expect(() => new ProcessCatalog([{ ...site, cardType: 'alien' as never }], [])).toThrow(
      /cardType/,
    );
    expect(() => new ProcessCatalog([], ['NoSuchProcess'])).toThrow(/not defined/);
  });
});
