/**
 * LEDs kept in memory: the embedded default when no GPIO is configured. The diagnostics
 * screen and /health show the pattern instead of a lamp.
 */
import type { LedPattern, StatusLeds } from './status-leds.js';

export class SimulatedStatusLeds implements StatusLeds {
  readonly kind = 'simulated' as const;
  private pattern: LedPattern = 'off';
  private readonly history: LedPattern[] = [];

  show(pattern: LedPattern): void {
    if (pattern === this.pattern) return;
    this.pattern = pattern;
    this.history.push(pattern);
  }

  current(): LedPattern {
    return this.pattern;
  }

  /** Patterns shown so far, oldest first (for diagnostics and tests). */
  shown(): readonly LedPattern[] {
    return this.history;
  }

  async close(): Promise<void> {
    this.pattern = 'off';
  }
}
