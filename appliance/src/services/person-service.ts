/** The person directory on the device: search (seed step 2), create, look up. */
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { parseIsoDate } from '../core/card/card-validity.js';
import type { Clock } from '../core/ports.js';
import type { PersonRecord, Photo } from '../core/records.js';
import { actorLabel, type Actor } from '../core/roles.js';
import type { PersonQuery, Store, StoreTx } from '../core/store-ports.js';
import type { CardType } from '../core/workflow/processes.js';
import { newId } from './workflow-engine.js';

export interface NewPerson {
  kind: CardType;
  name: string;
  company?: string;
  email?: string;
  hostPersonId?: string;
  validUntil?: string;
  photo?: Photo;
}

export class PersonService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  search(q: PersonQuery): Promise<PersonRecord[]> {
    return this.store.read((tx) => tx.persons.search(q));
  }

  async get(id: string): Promise<PersonRecord> {
    const p = await this.store.read((tx) => tx.persons.get(id));
    if (!p) throw new NotFoundError('person', id);
    return p;
  }

  /** The person's photo; NotFoundError when there is no such person or no photo. */
  async photo(id: string): Promise<Photo> {
    const p = await this.get(id);
    if (!p.photo) throw new NotFoundError('photo of person', id);
    return p.photo;
  }

  async create(actor: Actor, input: NewPerson): Promise<PersonRecord> {
    if (input.validUntil !== undefined && !parseIsoDate(input.validUntil)) {
      throw new InvalidInputError('validUntil must be a date as YYYY-MM-DD');
    }
    if (input.kind === 'contractor' && !input.validUntil) {
      throw new InvalidInputError('a contractor needs an end date (validUntil)');
    }
    const person = newPersonRecord(input, this.clock.now().toISOString());
    await this.store.transaction(async (tx) => {
      await checkHost(tx, person.hostPersonId);
      await tx.persons.insert(person);
      await recordPersonCreated(tx, person, actor, person.createdAt);
    });
    return person;
  }
}

/** Audit and outbox events for a person new on this device (the centre learns of them). */
export async function recordPersonCreated(
  tx: StoreTx,
  person: PersonRecord,
  actor: Actor,
  at: string,
): Promise<void> {
  const facts = {
    kind: person.kind,
    name: person.name,
    company: person.company,
    email: person.email,
    validUntil: person.validUntil,
    hostPersonId: person.hostPersonId,
  };
  await tx.audit.append(
    {
      actor: actorLabel(actor),
      action: 'person.created',
      objectType: 'person',
      objectId: person.id,
      details: facts,
    },
    at,
  );
  await tx.outbox.add(
    {
      aggregateType: 'person',
      aggregateId: person.id,
      type: 'person.created',
      payload: { personId: person.id, ...facts, at },
    },
    at,
  );
}

/** A new directory entry from what a person or officer typed, trimmed; empty optionals become null. */
export function newPersonRecord(input: NewPerson, at: string): PersonRecord {
  return {
    id: newId(),
    kind: input.kind,
    name: input.name.trim(),
    company: input.company?.trim() || null,
    email: input.email?.trim() || null,
    hostPersonId: input.hostPersonId ?? null,
    validUntil: input.validUntil ?? null,
    photo: input.photo ?? null,
    centralId: null,
    createdAt: at,
    updatedAt: at,
  };
}

/** A visitor's host must be an employee in the directory. */
export async function checkHost(tx: StoreTx, hostPersonId: string | null): Promise<void> {
  if (!hostPersonId) return;
  const host = await tx.persons.get(hostPersonId);
  if (!host || host.kind !== 'employee')
    throw new InvalidInputError('the chosen host is not an employee in the directory');
}
