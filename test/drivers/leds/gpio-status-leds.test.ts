import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/errors.js';
import {
  GpioStatusLeds,
  type GpioConstructor,
  type GpioLine,
} from '../../../drivers/leds/gpio-status-leds.js';
import { detectSysfsGpioBase } from '../../../drivers/leds/sysfs-gpio-base.js';

const PINS = { green: 17, amber: 27, red: 22 };

const sandbox = sinon.createSandbox();

interface FakeLine extends GpioLine {
  writeSync: sinon.SinonStub<[0 | 1], void>;
  unexport: sinon.SinonStub<[], void>;
}

/** onoff's Gpio, stubbed: a constructor stub that hands out one fake line per GPIO number. */
function stubOnoff(accessible = true) {
  const lines = new Map<number, FakeLine>();
  const Gpio = sandbox.stub().callsFake(function (gpio: number) {
    const line: FakeLine = { writeSync: sandbox.stub(), unexport: sandbox.stub() };
    lines.set(gpio, line);
    return line;
  });
  Object.defineProperty(Gpio, 'accessible', { value: accessible });
  /** The last level written to each lamp. */
  const lamps = (base = 0) => ({
    green: lines.get(base + PINS.green)?.writeSync.lastCall?.args[0],
    amber: lines.get(base + PINS.amber)?.writeSync.lastCall?.args[0],
    red: lines.get(base + PINS.red)?.writeSync.lastCall?.args[0],
  });
  return { Gpio: Gpio as unknown as GpioConstructor & sinon.SinonStub, lines, lamps };
}

describe('GpioStatusLeds', () => {
  afterEach(() => sandbox.restore());

  it('exports the three pins as outputs, all off, with the active-low option', () => {
    const onoff = stubOnoff();
    const leds = GpioStatusLeds.open({
      pins: PINS,
      activeLow: true,
      gpioBase: 0,
      Gpio: onoff.Gpio,
    });
    expect(onoff.Gpio.callCount).toBe(3);
    for (const call of onoff.Gpio.getCalls()) {
      expect(call.calledWithNew()).toBe(true);
      expect(call.args.slice(1)).toEqual([
        'low',
        'none',
        { activeLow: true, reconfigureDirection: true },
      ]);
    }
    expect(onoff.lamps()).toEqual({ green: 0, amber: 0, red: 0 });
    expect(leds.kind).toBe('gpio');
    expect(leds.current()).toBe('off');
  });

  it('adds the sysfs base to the BCM pin numbers', () => {
    const onoff = stubOnoff();
    GpioStatusLeds.open({ pins: PINS, gpioBase: 512, Gpio: onoff.Gpio });
    expect(onoff.Gpio.getCalls().map((c) => c.args[0])).toEqual([529, 539, 534]);
  });

  it('shows ready as steady green, with no timer', () => {
    const clock = sandbox.useFakeTimers();
    const onoff = stubOnoff();
    const leds = GpioStatusLeds.open({ pins: PINS, gpioBase: 0, Gpio: onoff.Gpio });
    leds.show('ready');
    expect(onoff.lamps()).toEqual({ green: 1, amber: 0, red: 0 });
    expect(clock.countTimers()).toBe(0);
    expect(leds.current()).toBe('ready');
  });

  it('blinks green once a second while busy', () => {
    const clock = sandbox.useFakeTimers();
    const onoff = stubOnoff();
    const leds = GpioStatusLeds.open({ pins: PINS, gpioBase: 0, Gpio: onoff.Gpio });
    leds.show('busy');
    const green = () => onoff.lamps().green;
    expect(green()).toBe(1);
    clock.tick(500);
    expect(green()).toBe(0);
    clock.tick(500);
    expect(green()).toBe(1);
    expect(onoff.lamps()).toMatchObject({ amber: 0, red: 0 });
  });

  it('blinks amber slowly when a card waits to be collected', () => {
    const clock = sandbox.useFakeTimers();
    const onoff = stubOnoff();
    const leds = GpioStatusLeds.open({ pins: PINS, gpioBase: 0, Gpio: onoff.Gpio });
    leds.show('attention');
    const seen: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push(onoff.lamps());
      clock.tick(500);
    }
    expect(seen).toEqual([
      { green: 0, amber: 1, red: 0 },
      { green: 0, amber: 0, red: 0 },
      { green: 0, amber: 1, red: 0 },
      { green: 0, amber: 0, red: 0 },
    ]);
  });

  it('blinks red fast on a fault and switches the other lamps off', () => {
    const clock = sandbox.useFakeTimers();
    const onoff = stubOnoff();
    const leds = GpioStatusLeds.open({ pins: PINS, gpioBase: 0, Gpio: onoff.Gpio });
    leds.show('ready');
    leds.show('fault');
    const red: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      red.push(onoff.lamps().red);
      clock.tick(125);
    }
    expect(red).toEqual([1, 0, 1, 0]);
    expect(onoff.lamps().green).toBe(0);
  });

  it('shows offline from the centre as steady green and amber', () => {
    sandbox.useFakeTimers();
    const onoff = stubOnoff();
    const leds = GpioStatusLeds.open({ pins: PINS, gpioBase: 0, Gpio: onoff.Gpio });
    leds.show('offline');
    expect(onoff.lamps()).toEqual({ green: 1, amber: 1, red: 0 });
  });

  it('stops blinking when a steady pattern follows and writes only edges', () => {
    const clock = sandbox.useFakeTimers();
    const onoff = stubOnoff();
    const leds = GpioStatusLeds.open({ pins: PINS, gpioBase: 0, Gpio: onoff.Gpio });
    leds.show('busy');
    leds.show('ready');
    expect(clock.countTimers()).toBe(0);
    const writes = onoff.lines.get(PINS.green)!.writeSync.callCount;
    clock.tick(5000);
    expect(onoff.lines.get(PINS.green)!.writeSync.callCount).toBe(writes);
  });

  it('uses an unref-ed timer so the LEDs never keep the process alive', () => {
    const onoff = stubOnoff();
    const unref = sandbox.spy();
    sandbox.stub(globalThis, 'setInterval').returns({ unref } as unknown as NodeJS.Timeout);
    sandbox.stub(globalThis, 'clearInterval');
    const leds = GpioStatusLeds.open({ pins: PINS, gpioBase: 0, Gpio: onoff.Gpio });
    leds.show('fault');
    expect(unref.calledOnce).toBe(true);
  });

  it('switches off and releases the lines on close, and ignores later patterns', async () => {
    const clock = sandbox.useFakeTimers();
    const onoff = stubOnoff();
    const leds = GpioStatusLeds.open({ pins: PINS, gpioBase: 0, Gpio: onoff.Gpio });
    leds.show('fault');
    await leds.close();
    expect(onoff.lamps()).toEqual({ green: 0, amber: 0, red: 0 });
    for (const line of onoff.lines.values()) expect(line.unexport.calledOnce).toBe(true);
    expect(clock.countTimers()).toBe(0);
    leds.show('ready');
    expect(onoff.lamps().green).toBe(0);
    expect(leds.current()).toBe('off');
    await leds.close();
    for (const line of onoff.lines.values()) expect(line.unexport.calledOnce).toBe(true);
  });

  it('reports a failed write and keeps going', () => {
    const onoff = stubOnoff();
    const onError = sandbox.spy();
    const leds = GpioStatusLeds.open({ pins: PINS, gpioBase: 0, Gpio: onoff.Gpio, onError });
    onoff.lines.get(PINS.green)!.writeSync.throws(new Error('EIO'));
    leds.show('offline');
    expect(onError.calledOnce).toBe(true);
    expect(onoff.lamps().amber).toBe(1);
  });

  it('refuses when GPIO is not accessible', () => {
    const onoff = stubOnoff(false);
    expect(() => GpioStatusLeds.open({ pins: PINS, gpioBase: 0, Gpio: onoff.Gpio })).toThrow(
      expect.objectContaining({ code: 'GPIO_UNAVAILABLE' }),
    );
    expect(onoff.Gpio.called).toBe(false);
  });

  it('releases lines already exported when a later one fails', () => {
    const onoff = stubOnoff();
    onoff.Gpio.onThirdCall().throws(new Error('EBUSY'));
    let error: unknown;
    try {
      GpioStatusLeds.open({ pins: PINS, gpioBase: 0, Gpio: onoff.Gpio });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DeviceError);
    expect((error as DeviceError).code).toBe('GPIO_UNAVAILABLE');
    expect(onoff.lines.get(PINS.green)!.unexport.calledOnce).toBe(true);
    expect(onoff.lines.get(PINS.amber)!.unexport.calledOnce).toBe(true);
  });
});

describe('detectSysfsGpioBase', () => {
  it("finds the SoC pin controller's base among the gpiochips", () => {
    const root = mkdtempSync(join(tmpdir(), 'sysfs-gpio-'));
    try {
      for (const [chip, label, base] of [
        ['gpiochip504', 'raspberrypi-exp-gpio', '504'],
        ['gpiochip512', 'pinctrl-bcm2711', '512'],
      ] as const) {
        mkdirSync(join(root, chip));
        writeFileSync(join(root, chip, 'label'), `${label}\n`);
        writeFileSync(join(root, chip, 'base'), `${base}\n`);
      }
      expect(detectSysfsGpioBase(root)).toBe(512);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('answers 0 where there is no sysfs GPIO', () => {
    expect(detectSysfsGpioBase('/nonexistent/gpio')).toBe(0);
  });
});
