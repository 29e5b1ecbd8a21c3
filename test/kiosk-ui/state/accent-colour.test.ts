import { describe, expect, it } from 'vitest';
import { contrast, textColourOn } from '../../../kiosk-ui/src/state/accent-colour.js';

describe('text on a site accent colour', () => {
  it('computes WCAG contrast ratios (the specification’s end points and a known pair)', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
    // #767676 on white is the lightest grey that passes AA, at 4.54:1.
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('puts white on dark accents and black on light ones, always at AA or better', () => {
    expect(textColourOn('#0b4f8a')).toBe('#ffffff');
    expect(textColourOn('#b3261e')).toBe('#ffffff');
    expect(textColourOn('#ffd400')).toBe('#000000');
    expect(textColourOn('#77bbff')).toBe('#000000');
    for (let v = 0; v <= 255; v += 5) {
      const hex = `#${v.toString(16).padStart(2, '0').repeat(3)}`;
      expect(contrast(hex, textColourOn(hex))).toBeGreaterThanOrEqual(4.5);
    }
  });
});
