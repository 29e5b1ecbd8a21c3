/**
 * The holder's own PIN change at the walk-up side, `POST /api/self-service/pin/change`: no
 * session; the card in the encoder says which card it is (CHUID GUID) and checks the current
 * PIN. A wrong PIN answers only the card's refusal; a blocked PIN, a card the device does not
 * know and a card that may not change its PIN all send the holder to the desk without a word
 * about the card; nothing changes on a refusal; the route is rate-limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceError } from '../../drivers/errors.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import type { FakePivEncoder } from '../support/fake-devices.js';
import {
  addPerson,
  crewFor,
  getRequest,
  ok,
  post,
  produceCard,
  type Crew,
} from '../support/workflow-driver.js';

const URL = '/api/self-service/pin/change';

describe('PIN change at the walk-up side', () => {
  let t: TestApp;
  let crew: Crew;
  let encoder: FakePivEncoder;

  beforeAll(async () => {
    t = await buildTestApp({
      config: {
        rateLimits: { signInPerMinute: 8, walkUpPerMinute: 10_000, statusLookupsPerMinute: 10_000 },
      },
    });
    crew = await crewFor(t);
    encoder = t.encoder as FakePivEncoder;
  });
  afterAll(() => t.dispose());

  async function collectedCard(): Promise<{ cardId: string; cardNumber: string; holder: string }> {
    const holder = `Walk-up holder ${Math.random().toString(36).slice(2, 7)}`;
    const personId = await addPerson(t, crew.officer, 'employee', { name: holder });
    const { id } = await produceCard(
      t,
      crew.officer,
      personId,
      'PcmProcEmployeeCardWithoutApproval',
    );
    await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    await ok(post(t, crew.guard, `/api/requests/${id}/collect`));
    const d = await getRequest(t, crew.officer, id);
    return { cardId: d.card.id, cardNumber: d.card.cardNumber, holder };
  }

  const change = (currentPin: string, newPin: string) =>
    t.call({ method: 'POST', url: URL, payload: { currentPin, newPin } });

  it('changes the PIN of the card in the encoder when the card accepts the current one', async () => {
    const card = await collectedCard();
    const chip = encoder.chips.at(-1)!;
    encoder.chipInReader = chip;
    const original = chip.pin;

    const wrong = await change(original === '111222' ? '333444' : '111222', '482915');
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toEqual({ error: 'CARD_REFUSED', message: 'wrong PIN' });
    expect(chip.pin).toBe(original);

    const done = await change(original, '482915');
    expect(done.statusCode).toBe(200);
    expect(done.json()).toEqual({ changed: true });
    expect(chip.pin).toBe('482915');
    const history = await t.store.read((tx) => tx.cardLifecycle.transitions(card.cardId));
    expect(history).toEqual([
      expect.objectContaining({
        event: 'change_pin',
        actor: 'self-service',
        toStatus: 'collected',
      }),
    ]);
    const audit = await t.store.read((tx) =>
      tx.audit.list({ limit: 5, offset: 0, objectId: card.cardId, action: 'card.change_pin' }),
    );
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain('482915');
    expect(JSON.stringify(audit)).not.toContain(original);
  });

  it('sends the holder to the desk, saying nothing about the card, and changes nothing', async () => {
    const card = await collectedCard();
    const chip = encoder.chips.at(-1)!;
    encoder.chipInReader = chip;
    const answers: Array<{ statusCode: number; body: string }> = [];

    // Blocked on the card.
    encoder.failNext(new DeviceError('CARD_SECRET_BLOCKED', 'the PIN is blocked on this card'));
    answers.push(await change(chip.pin, '482915'));
    expect(answers.at(-1)!.statusCode).toBe(422);
    expect(JSON.parse(answers.at(-1)!.body).message).toMatch(/blocked; please see the desk/);

    // A revoked card may not change its PIN: the walk-up is not told why.
    await ok(post(t, crew.guard, `/api/cards/${card.cardId}/revoke`, { reason: 'stolen' }));
    answers.push(await change(chip.pin, '482915'));
    expect(JSON.parse(answers.at(-1)!.body)).toEqual({
      error: 'CARD_REFUSED',
      message: 'this card cannot change its PIN here; please see the desk',
    });

    // A card this device never made.
    encoder.chipInReader = { ...chip, guid: new Uint8Array(16).fill(7) };
    answers.push(await change(chip.pin, '482915'));
    expect(JSON.parse(answers.at(-1)!.body)).toMatchObject({ error: 'CARD_REFUSED' });

    // No card at all.
    encoder.chipInReader = null;
    answers.push(await change(chip.pin, '482915'));
    expect(answers.at(-1)!.statusCode).toBe(503);
    expect(JSON.parse(answers.at(-1)!.body).message).toMatch(/put your card in/);

    for (const a of answers) {
      expect(a.body).not.toContain(card.cardNumber);
      expect(a.body).not.toContain(card.holder);
      expect(a.body).not.toContain('revoked');
    }
    expect(chip.pin).not.toBe('482915');
    const history = await t.store.read((tx) => tx.cardLifecycle.transitions(card.cardId));
    expect(history.map((h) => h.event)).toEqual(['revoke']);
  });

  it('refuses bad input and stops a run of tries', async () => {
    encoder.chipInReader = null;
    const bad = await t.call({
      method: 'POST',
      url: URL,
      payload: { currentPin: '12ab56', newPin: '482915' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    // The limit (the sign-in limit, 8 a minute here) counts every try, the earlier tests' too.
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await change('123456', '482915')).statusCode);
    expect(codes).toContain(429);
  });
});
