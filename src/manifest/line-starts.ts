// Line and column of an offset in a manifest file. The yaml package's LineCounter keeps line starts in a growing
// array of numbers; a 100,000-user manifest has 1.1 million lines, and that array (kept for as long as the
// manifest's positions are) plus the copies made while it grew cost about 25 MB. The fast reader's files use
// LineStarts instead: one Int32Array, filled once.

/** What positions.ts asks of a line table; yaml's LineCounter and LineStarts both answer it. */
export interface LinePositions {
  /** 1-based line and column of `offset`, exactly as yaml's LineCounter.linePos answers. */
  linePos(offset: number): { line: number; col: number };
}

export class LineStarts implements LinePositions {
  private readonly starts: Int32Array;

  /** The line starts of `text`: offset 0, and the offset after every '\n'. */
  constructor(text: string) {
    let count = 1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count += 1;
    const starts = new Int32Array(count);
    let line = 1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
      starts[line] = at + 1;
      line += 1;
    }
    this.starts = starts;
  }

  linePos(offset: number): { line: number; col: number } {
    // yaml's LineCounter.linePos (yaml/dist/parse/line-counter.js), over the typed array.
    const starts = this.starts;
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((starts[mid] as number) < offset) low = mid + 1;
      else high = mid;
    }
    if (starts[low] === offset) return { line: low + 1, col: 1 };
    if (low === 0) return { line: 0, col: offset };
    return { line: low, col: offset - (starts[low - 1] as number) + 1 };
  }
}
