/** Staff see the card's layout before it is produced: a 300 dpi PNG of each printed side. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { addPerson, crewFor, produceCard, type Crew } from '../support/workflow-driver.js';

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('card layout preview', () => {
  let t: TestApp;
  let crew: Crew;
  beforeAll(async () => {
    t = await buildTestApp();
    crew = await crewFor(t);
  });
  afterAll(async () => t.dispose());

  const preview = (id: string, side = 'front') =>
    t.call({
      method: 'GET',
      url: `/api/requests/${id}/preview.png?side=${side}`,
      cookie: crew.officer.cookie,
    });

  it('shows both sides of an employee card at the printer resolution', async () => {
    const { id } = await produceCard(
      t,
      crew.officer,
      await addPerson(t, crew.officer, 'employee'),
      'CCProcEmployeeCardWithoutApproval',
    );
    for (const side of ['front', 'back']) {
      const res = await preview(id, side);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(pngSize(res.rawPayload)).toEqual({ width: 1016, height: 648 });
    }
    const front = (await preview(id, 'front')).rawPayload;
    const back = (await preview(id, 'back')).rawPayload;
    expect(front.equals(back)).toBe(false);
  });

  it('says a visitor badge has no back, and that there is nothing to show before approval', async () => {
    const visitor = await addPerson(t, crew.officer, 'visitor');
    const generated = await produceCard(
      t,
      crew.officer,
      visitor,
      'CCProcVisitorCardWithoutApproval',
    );
    const back = await preview(generated.id, 'back');
    expect(back.statusCode).toBe(400);
    expect(back.json().message).toMatch(/no back/);
    const pending = await produceCard(t, crew.officer, visitor, 'CCProcVisitorCardWithApproval');
    const early = await preview(pending.id);
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toMatch(/no card object yet/);
  });

  it('is for staff only', async () => {
    const { id } = await produceCard(
      t,
      crew.officer,
      await addPerson(t, crew.officer, 'visitor'),
      'CCProcVisitorCardWithoutApproval',
    );
    expect(
      (await t.call({ method: 'GET', url: `/api/requests/${id}/preview.png` })).statusCode,
    ).toBe(401);
  });
});
