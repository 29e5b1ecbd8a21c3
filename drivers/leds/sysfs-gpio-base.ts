/**
 * The sysfs number of a Raspberry Pi header GPIO. The legacy sysfs interface (what onoff uses)
 * numbers lines globally: line N of a chip is `base + N`. Older kernels gave the SoC's chip
 * base 0; since Linux 6.6 (Raspberry Pi OS bookworm updates) it is 512 on a Pi 4 and 571 on a
 * Pi 5. So the configuration names BCM line numbers, and this finds the base of the SoC's
 * pin controller (label `pinctrl-bcm2711`, `pinctrl-bcm2835`, `pinctrl-rp1`, …).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

/** The SoC pin controller's base; 0 when there is none (not a Pi, or no sysfs GPIO). */
export function detectSysfsGpioBase(root: string = SYSFS_GPIO_ROOT): number {
  if (!existsSync(root)) return 0;
  const chips = readdirSync(root).filter((name) => name.startsWith('gpiochip'));
  for (const chip of chips) {
    try {
      const label = readFileSync(join(root, chip, 'label'), 'utf8').trim();
      if (!label.startsWith('pinctrl-')) continue;
      const base = Number(readFileSync(join(root, chip, 'base'), 'utf8').trim());
      if (Number.isInteger(base) && base >= 0) return base;
    } catch {
      // A chip that vanished or cannot be read is not the one we want.
    }
  }
  return 0;
}
