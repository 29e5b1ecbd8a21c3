/**
 * PIN unblock and PIN change through the appliance's API on the real PC/SC path (pcsclite →
 * pcscd → vpcd → the PIV emulator), checked afterwards with yubico-piv-tool, which nobody
 * here wrote: a Digital ID card is produced and collected, its PIN is blocked with wrong
 * tries from yubico-piv-tool, unblocked with the PUK the device kept (site policy without a
 * centre escrow key), and changed by the holder; `yubico-piv-tool -a verify-pin` accepts
 * only the new PIN each time; then the holder changes it alone at the walk-up side, the card
 * naming itself by its CHUID GUID. Run under `flock /tmp/cardkiosk-pcscd.lock`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcscPivEncoder } from '../../../drivers/encoder/pcsc-piv-encoder.js';
import { SimulatedPivCard } from '../../../drivers/encoder/simulated-piv-card.js';
import { VpcdClient } from '../../../drivers/encoder/vpcd-client.js';
import { createSimulatedCardPrinter } from '../../../drivers/printer/index.js';
import { buildTestApp, type TestApp } from '../../support/build-test-app.js';
import { VPCD_PORTS, ensurePcscd, requireTools, runTool, stopPcscd } from '../../support/pcscd.js';
import { collectedCard, crewFor, ok, post } from '../../support/workflow-driver.js';

const READER = 'Virtual PCD 00 01';
const CARD_EVENT_TIMEOUT_MS = 8_000;
const unavailable = requireTools(['pcscd', 'vpcd', 'yubico-piv-tool']);

const yk = (...args: string[]) => runTool('yubico-piv-tool', ['-r', READER, ...args]);

describe.skipIf(Boolean(unavailable))('PIN unblock and change on the real PC/SC path', () => {
  let started = false;
  let client: VpcdClient;
  let encoder: PcscPivEncoder;
  let t: TestApp;

  beforeAll(async () => {
    started = (await ensurePcscd()).started;
    client = new VpcdClient({ card: new SimulatedPivCard(), port: VPCD_PORTS[READER] });
    encoder = await PcscPivEncoder.create({ readerName: READER, reconnectIntervalMs: 200 });
    await client.insert(CARD_EVENT_TIMEOUT_MS);
    await encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
    t = await buildTestApp({
      encoder,
      printer: createSimulatedCardPrinter({ device: { timeScale: 0 } }),
    });
  }, 60_000);

  afterAll(async () => {
    await t?.dispose();
    await encoder?.close();
    await client?.close();
    if (started) await stopPcscd();
  });

  it('unblocks a blocked PIN with the kept PUK and changes it; yubico-piv-tool agrees', async () => {
    const crew = await crewFor(t);
    const collected = await collectedCard(t, crew, 'PcmProcEmployeeCardWithoutApproval');
    const pin = collected.pin as string;
    const cardId = collected.cardId;
    expect((await yk('-a', 'verify-pin', '-P', pin)).status).toBe(0);

    // The holder types wrong PINs until the card blocks it (3 tries by default).
    for (let i = 0; i < 3; i++) await yk('-a', 'verify-pin', '-P', '000000');
    const blocked = await yk('-a', 'verify-pin', '-P', pin);
    expect(blocked.status).not.toBe(0);

    const source = await ok(
      t.call({
        method: 'GET',
        url: `/api/cards/${cardId}/pin/puk-source`,
        cookie: crew.guard.cookie,
      }),
    );
    expect(source).toEqual({ source: 'device-copy', reason: null, pinLength: 6 });
    const unblocked = await post(t, crew.guard, `/api/cards/${cardId}/pin/unblock`, {
      newPin: '246810',
    });
    expect(unblocked.statusCode, unblocked.body).toBe(200);
    // The PUK never reaches the wire.
    const puk = await t.store.read(async (tx) => (await tx.cards.get(cardId))!.pukSealed);
    expect(puk).not.toBe('');
    expect(unblocked.body).not.toMatch(/puk/i);
    expect((await yk('-a', 'verify-pin', '-P', '246810')).status).toBe(0);
    expect((await yk('-a', 'verify-pin', '-P', pin)).status).not.toBe(0);

    // A wrong current PIN is refused by the card (422) and changes nothing.
    const wrong = await post(t, crew.guard, `/api/cards/${cardId}/pin/change`, {
      currentPin: '999999',
      newPin: '135790',
    });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ error: 'CARD_REFUSED' });
    expect(wrong.body).not.toContain('999999');
    const changed = await post(t, crew.guard, `/api/cards/${cardId}/pin/change`, {
      currentPin: '246810',
      newPin: '135790',
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await yk('-a', 'verify-pin', '-P', '135790')).status).toBe(0);
    expect((await yk('-a', 'verify-pin', '-P', '246810')).status).not.toBe(0);
    expect((await yk('-a', 'verify-pin', '-P', '135790')).status).toBe(0);

    // The holder alone at the walk-up side: no session, no card id; the card in the reader
    // names itself (CHUID GUID read over PC/SC) and checks the current PIN.
    const walkUpWrong = await t.call({
      method: 'POST',
      url: '/api/self-service/pin/change',
      payload: { currentPin: '999999', newPin: '975310' },
    });
    expect(walkUpWrong.statusCode).toBe(422);
    expect(walkUpWrong.json().message).toMatch(/wrong PIN; \d tries left/);
    const walkUp = await t.call({
      method: 'POST',
      url: '/api/self-service/pin/change',
      payload: { currentPin: '135790', newPin: '975310' },
    });
    expect(walkUp.statusCode, walkUp.body).toBe(200);
    expect(walkUp.json()).toEqual({ changed: true });
    expect((await yk('-a', 'verify-pin', '-P', '975310')).status).toBe(0);
    expect((await yk('-a', 'verify-pin', '-P', '135790')).status).not.toBe(0);
    expect((await yk('-a', 'verify-pin', '-P', '975310')).status).toBe(0);

    // Status unchanged; both operations in the history and audit, with no secret.
    const view = await ok(
      t.call({ method: 'GET', url: `/api/cards/${cardId}/lifecycle`, cookie: crew.guard.cookie }),
    );
    expect(view.card.status).toBe('collected');
    expect(view.history.map((h: { event: string; actor: string }) => [h.event, h.actor])).toEqual([
      ['unblock_pin', 'staff:sam'],
      ['change_pin', 'staff:sam'],
      ['change_pin', 'self-service'],
    ]);
    const audit = JSON.stringify(
      await t.store.read((tx) => tx.audit.list({ limit: 50, offset: 0, objectId: cardId })),
    );
    expect(audit).toContain('"pukSource":"device-copy"');
    for (const secret of ['246810', '135790', '975310', pin]) expect(audit).not.toContain(secret);
  }, 180_000);

  it('refuses a card in the encoder that is not the one named', async () => {
    const other = await t.store.read((tx) => tx.cards.list({ limit: 1, offset: 0 }));
    const guid = '00'.repeat(16);
    await expect(
      encoder.changePin({ expectedGuid: guid, currentPin: '975310', newPin: '111222' }),
    ).rejects.toMatchObject({ code: 'CARD_MISMATCH' });
    expect(other).toHaveLength(1);
  }, 60_000);
});
