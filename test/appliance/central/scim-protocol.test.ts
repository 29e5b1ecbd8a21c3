/** Outbox events as SCIM Bulk operations, and the strict reading of the centre's answer. */
import { describe, expect, it } from 'vitest';
import {
  SCIM,
  operationKey,
  parseBulkResponse,
  toOperation,
} from '../../../appliance/src/central/scim-protocol.js';
import type { OutboxEventRecord } from '../../../appliance/src/core/records.js';

const event = (over: Partial<OutboxEventRecord>): OutboxEventRecord => ({
  id: 'ev-1',
  seq: 1,
  aggregateType: 'card',
  aggregateId: 'card-1',
  type: 'card.generated',
  payload: { cardNumber: '10000009', status: 'generated', personId: 'p-1', requestId: 'r-1' },
  priority: 10,
  createdAt: '2026-11-26T09:00:00.000Z',
  sentAt: null,
  ...over,
});

describe('SCIM mapping', () => {
  it('creates with POST and the event id as bulkId; updates with PATCH on the centre id', () => {
    const create = toOperation(event({}), undefined)!;
    expect(create).toMatchObject({ method: 'POST', path: '/Cards', bulkId: 'ev-1' });
    expect(create.data.schemas).toEqual([SCIM.card]);
    expect(operationKey(create)).toBe('ev-1');

    const update = event({
      id: 'ev-2',
      type: 'card.status_changed',
      payload: { status: 'revoked', reason: 'lost', certificateDer: 'MIIB' },
    });
    expect(toOperation(update, undefined)).toBeNull();
    const patch = toOperation(update, 'central-9')!;
    expect(patch).toMatchObject({ method: 'PATCH', path: '/Cards/central-9' });
    expect(operationKey(patch)).toBe('ev-2');
    const ops = (patch.data as { Operations: Array<{ op: string; value: any }> }).Operations;
    expect(ops[0]).toEqual({
      op: 'replace',
      value: { status: 'revoked', revocationReason: 'lost', certificate: 'MIIB' },
    });
    // The certificate and any sealed value are not repeated in the history entry.
    expect(ops[1]!.value[0].details).not.toContain('MIIB');
  });

  it('creates a request at its first transition only', () => {
    const first = event({
      aggregateType: 'request',
      type: 'request.state_changed',
      payload: { from: null, to: 'requested' },
    });
    const later = event({
      aggregateType: 'request',
      type: 'request.state_changed',
      payload: { from: 'requested', to: 'awaiting_approval' },
    });
    expect(toOperation(first, undefined)?.method).toBe('POST');
    expect(toOperation(later, 'c-1')?.method).toBe('PATCH');
  });
});

describe('reading a BulkResponse', () => {
  const sent = [
    toOperation(event({}), undefined)!,
    toOperation(
      event({ id: 'ev-2', type: 'card.status_changed', payload: { status: 'produced' } }),
      'c-1',
    )!,
  ];
  const good = {
    schemas: [SCIM.bulkResponse],
    Operations: [
      { method: 'POST', bulkId: 'ev-1', location: '/scim/v2/Cards/c-1', status: '201' },
      { method: 'PATCH', location: '/scim/v2/Cards/c-1', status: '200' },
    ],
  };

  it('takes a well-formed answer, also a shorter one (the centre stopped early)', () => {
    expect(parseBulkResponse(good, sent).map((r) => r.status)).toEqual([201, 200]);
    expect(
      parseBulkResponse({ ...good, Operations: good.Operations.slice(0, 1) }, sent),
    ).toHaveLength(1);
  });

  it.each([
    ['no schemas', { Operations: good.Operations }],
    ['no Operations', { schemas: [SCIM.bulkResponse] }],
    [
      'more results than operations',
      { ...good, Operations: [...good.Operations, ...good.Operations] },
    ],
    [
      'another bulkId',
      { ...good, Operations: [{ ...good.Operations[0], bulkId: 'x' }, good.Operations[1]] },
    ],
    [
      'another resource',
      {
        ...good,
        Operations: [
          good.Operations[0],
          { ...good.Operations[1], location: '/scim/v2/Cards/other' },
        ],
      },
    ],
    [
      'a created resource without location',
      { ...good, Operations: [{ method: 'POST', bulkId: 'ev-1', status: '201' }] },
    ],
    ['no status', { ...good, Operations: [{ method: 'POST', bulkId: 'ev-1' }] }],
    ['not an object', 'ok'],
  ])('refuses an answer with %s', (_what, body) => {
    expect(() => parseBulkResponse(body, sent)).toThrow();
  });
});
