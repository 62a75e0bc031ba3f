// shouldUseColor: terminal detection and the FORCE_COLOR / NO_COLOR conventions.

import { describe, expect, it } from 'vitest';
import { shouldUseColor } from '../../src/ui/index.ts';

const tty = { write: () => true, isTTY: true };
const pipe = { write: () => true };

describe('shouldUseColor', () => {
  it('colours terminals, not pipes', () => {
    expect(shouldUseColor(tty, {})).toBe(true);
    expect(shouldUseColor(pipe, {})).toBe(false);
    expect(shouldUseColor({ ...tty, isTTY: false }, {})).toBe(false);
  });

  it('turns colour off for NO_COLOR (when not empty), NODE_DISABLE_COLORS and TERM=dumb', () => {
    expect(shouldUseColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(shouldUseColor(tty, { NO_COLOR: '' })).toBe(true);
    expect(shouldUseColor(tty, { NODE_DISABLE_COLORS: '1' })).toBe(false);
    expect(shouldUseColor(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('lets FORCE_COLOR win both ways', () => {
    expect(shouldUseColor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldUseColor(pipe, { FORCE_COLOR: '' })).toBe(true);
    expect(shouldUseColor(tty, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(shouldUseColor(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(shouldUseColor(tty, { FORCE_COLOR: 'false' })).toBe(false);
  });
});
