/**
 * The centre's write rules as a table: who (device or administrator) may touch which
 * attribute of which object, read from SCIM bodies and PatchOp paths whatever their case.
 */
import { describe, expect, it } from 'vitest';
import { SCIM } from '../../appliance/src/central/scim-protocol.js';
import {
  authorizeWrite,
  CentralAuthorizationError,
  touchedAttributes,
  type CentralActor,
} from '../../provisioning/central/central-authorization.js';

const device: CentralActor = { kind: 'device', id: 'kiosk-1' };
const admin: CentralActor = { kind: 'admin', id: 'alice' };
const patch = (...Operations: unknown[]) => ({ schemas: [SCIM.patchOp], Operations });

describe('touchedAttributes', () => {
  it('reads attribute names from bodies, PatchOp values and paths, lower-cased', () => {
    expect(
      touchedAttributes('POST', { schemas: [SCIM.card], cardNumber: '1', Holder: {} }),
    ).toEqual(['cardnumber', 'holder']);
    expect(
      touchedAttributes(
        'PATCH',
        patch(
          { op: 'replace', value: { Status: 'x' } },
          { op: 'add', path: 'decision.value', value: 'approve' },
          { op: 'remove', path: 'history[eventId eq "1"]' },
          { op: 'add', path: `${SCIM.userExtension}:history`, value: [] },
        ),
      ),
    ).toEqual(['status', 'decision', 'history', `${SCIM.userExtension}:history`.toLowerCase()]);
    expect(touchedAttributes('POST', { [SCIM.userExtension]: { Host: {} } })).toEqual([
      `${SCIM.userExtension}:host`.toLowerCase(),
    ]);
  });
});

describe('authorizeWrite', () => {
  const refused = (w: Parameters<typeof authorizeWrite>[0]) => {
    expect(() => authorizeWrite(w)).toThrow(CentralAuthorizationError);
  };
  const allowed = (w: Parameters<typeof authorizeWrite>[0]) => {
    expect(() => authorizeWrite(w)).not.toThrow();
  };

  it('lets a device create and change its own objects in the attributes a device reports', () => {
    allowed({
      actor: device,
      endpoint: 'Cards',
      method: 'POST',
      owner: undefined,
      data: { cardNumber: '1' },
    });
    allowed({
      actor: device,
      endpoint: 'Cards',
      method: 'PATCH',
      owner: 'kiosk-1',
      data: patch({ op: 'replace', value: { status: 'revoked' } }),
    });
  });

  it('keeps central decisions and revocations for administrators', () => {
    for (const [endpoint, value] of [
      ['CardRequests', { decision: { value: 'approve' } }],
      ['CardRequests', { DECISION: { value: 'approve' } }],
      ['Cards', { centralRevocation: { reason: 'stolen' } }],
    ] as const) {
      const data = patch({ op: 'replace', value });
      refused({ actor: device, endpoint, method: 'PATCH', owner: 'kiosk-1', data });
      allowed({ actor: admin, endpoint, method: 'PATCH', owner: 'kiosk-1', data });
    }
    refused({
      actor: device,
      endpoint: 'Cards',
      method: 'POST',
      owner: undefined,
      data: { cardNumber: '1', centralRevocation: {} },
    });
  });

  it("refuses a device changing another device's or the directory's objects, or leases through Bulk", () => {
    const data = patch({ op: 'replace', value: { status: 'x' } });
    refused({ actor: device, endpoint: 'Cards', method: 'PATCH', owner: 'kiosk-2', data });
    refused({ actor: device, endpoint: 'Users', method: 'PATCH', owner: 'central', data });
    refused({
      actor: device,
      endpoint: 'CardNumberRanges',
      method: 'POST',
      owner: undefined,
      data: {},
    });
  });

  it('refuses anyone setting what the centre sets', () => {
    for (const actor of [device, admin])
      refused({
        actor,
        endpoint: 'Cards',
        method: 'PATCH',
        owner: 'kiosk-1',
        data: patch({ op: 'replace', path: 'device', value: 'kiosk-2' }),
      });
  });
});

describe('invitations', () => {
  it('are written by administrators only: a device neither creates nor withdraws one', () => {
    const body = { schemas: [SCIM.invitation], name: 'Cora', forDevice: 'kiosk-1' };
    expect(() =>
      authorizeWrite({
        actor: device,
        endpoint: 'Invitations',
        method: 'POST',
        owner: undefined,
        data: body,
      }),
    ).toThrow(CentralAuthorizationError);
    expect(() =>
      authorizeWrite({
        actor: device,
        endpoint: 'Invitations',
        method: 'PATCH',
        owner: 'central',
        data: patch({ op: 'replace', value: { state: 'withdrawn' } }),
      }),
    ).toThrow(CentralAuthorizationError);
    expect(() =>
      authorizeWrite({
        actor: admin,
        endpoint: 'Invitations',
        method: 'POST',
        owner: undefined,
        data: body,
      }),
    ).not.toThrow();
  });
});
