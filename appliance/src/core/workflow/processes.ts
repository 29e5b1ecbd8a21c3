/**
 * The process catalog: the 16 named variants of the "Request or issue card" workflow as
 * data (DESIGN.md §1). A process is {name, idType, cardType, channel, approval}; a device's
 * configuration enables some of them and may add site-specific ones of the same shape.
 * Pure data; depends on nothing.
 */

export type IdType = 'physical' | 'digital';
export type CardType = 'employee' | 'contractor' | 'visitor';
export type Channel = 'self-service' | 'identity-manager';

export interface ProcessDefinition {
  name: string;
  /** Physical ID = printed badge with chip PIN/PUK; Digital ID adds key pair and certificate. */
  idType: IdType;
  cardType: CardType;
  channel: Channel;
  approval: boolean;
  /** Human-readable option name from the seed. */
  label: string;
}

const OPTIONS: ReadonlyArray<{
  stem: string;
  cardType: CardType;
  channel: Channel;
  approval: boolean;
  label: string;
}> = [
  {
    stem: 'USSPEmployeeCardWithApproval',
    cardType: 'employee',
    channel: 'self-service',
    approval: true,
    label: 'Employee card with approval in Smart ID Self-Service',
  },
  {
    stem: 'USSPEmployeeCardWithoutApproval',
    cardType: 'employee',
    channel: 'self-service',
    approval: false,
    label: 'Employee card without approval in Smart ID Self-Service',
  },
  {
    stem: 'EmployeeCardWithApproval',
    cardType: 'employee',
    channel: 'identity-manager',
    approval: true,
    label: 'Employee card with approval',
  },
  {
    stem: 'EmployeeCardWithoutApproval',
    cardType: 'employee',
    channel: 'identity-manager',
    approval: false,
    label: 'Employee card without approval',
  },
  {
    stem: 'ContractorCardWithApproval',
    cardType: 'contractor',
    channel: 'identity-manager',
    approval: true,
    label: 'Contractor card with approval',
  },
  {
    stem: 'ContractorCardWithoutApproval',
    cardType: 'contractor',
    channel: 'identity-manager',
    approval: false,
    label: 'Contractor card without approval',
  },
  {
    stem: 'VisitorCardWithApproval',
    cardType: 'visitor',
    channel: 'identity-manager',
    approval: true,
    label: 'Visitor card with approval',
  },
  {
    stem: 'VisitorCardWithoutApproval',
    cardType: 'visitor',
    channel: 'identity-manager',
    approval: false,
    label: 'Visitor card without approval',
  },
];

/** The seed's prefixes: CCProc… for Physical ID, PcmProc… for Digital ID. */
const ID_PREFIX: Record<IdType, string> = { physical: 'CCProc', digital: 'PcmProc' };

export const BUILT_IN_PROCESSES: readonly ProcessDefinition[] = (
  ['physical', 'digital'] as const
).flatMap((idType) =>
  OPTIONS.map((o) => ({
    name: `${ID_PREFIX[idType]}${o.stem}`,
    idType,
    cardType: o.cardType,
    channel: o.channel,
    approval: o.approval,
    label: `${o.label} (${idType === 'physical' ? 'Physical ID' : 'Digital ID'})`,
  })),
);

/** Digital ID processes need a certificate from the CA (seed step 6). */
export function needsCertificate(process: ProcessDefinition): boolean {
  return process.idType === 'digital';
}

const PROCESS_NAME = /^[A-Za-z][A-Za-z0-9]{2,79}$/;

/** Check a site-specific process definition from configuration. Returns problems, empty when valid. */
export function validateProcessDefinition(p: ProcessDefinition): string[] {
  const problems: string[] = [];
  if (!PROCESS_NAME.test(p.name))
    problems.push(`process name "${p.name}" must be 3-80 letters or digits`);
  if (p.idType !== 'physical' && p.idType !== 'digital')
    problems.push(`${p.name}: idType must be physical or digital`);
  if (!['employee', 'contractor', 'visitor'].includes(p.cardType))
    problems.push(`${p.name}: cardType must be employee, contractor or visitor`);
  if (p.channel !== 'self-service' && p.channel !== 'identity-manager')
    problems.push(`${p.name}: channel must be self-service or identity-manager`);
  if (typeof p.approval !== 'boolean') problems.push(`${p.name}: approval must be true or false`);
  return problems;
}

/** The processes known on a device: the built-in catalog plus site-specific additions. */
export class ProcessCatalog {
  private readonly byName = new Map<string, ProcessDefinition>();
  private readonly enabled: ReadonlySet<string>;

  constructor(siteProcesses: readonly ProcessDefinition[], enabledNames: readonly string[]) {
    for (const p of [...BUILT_IN_PROCESSES, ...siteProcesses]) {
      const problems = validateProcessDefinition(p);
      if (problems.length > 0)
        throw new Error(`invalid process definition: ${problems.join('; ')}`);
      if (this.byName.has(p.name)) throw new Error(`process ${p.name} is defined twice`);
      this.byName.set(p.name, p);
    }
    for (const name of enabledNames) {
      if (!this.byName.has(name)) throw new Error(`enabled process ${name} is not defined`);
    }
    this.enabled = new Set(enabledNames);
  }

  all(): ProcessDefinition[] {
    return [...this.byName.values()];
  }

  get(name: string): ProcessDefinition | undefined {
    return this.byName.get(name);
  }

  isEnabled(name: string): boolean {
    return this.enabled.has(name);
  }
}
