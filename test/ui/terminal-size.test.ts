import { describe, expect, it } from 'vitest';
import { FALLBACK_COLUMNS, FALLBACK_ROWS, withUsableSize } from '../../src/ui/terminal-size.ts';

describe('withUsableSize', () => {
  it('gives a terminal that reports 0x0 (or nothing) the 80x24 fallback', () => {
    expect(withUsableSize({ columns: 0, rows: 0 })).toStrictEqual({ columns: FALLBACK_COLUMNS, rows: FALLBACK_ROWS });
    expect(withUsableSize({})).toStrictEqual({ columns: FALLBACK_COLUMNS, rows: FALLBACK_ROWS });
  });

  it('keeps a real size', () => {
    expect(withUsableSize({ columns: 132, rows: 50 })).toStrictEqual({ columns: 132, rows: 50 });
  });
});
