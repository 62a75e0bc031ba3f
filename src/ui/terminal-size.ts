// Some pseudo-terminals report a 0x0 size (`script` without a controlling terminal, some `docker run -t` setups).
// Ink lays out to `columns` and clears the whole screen when output reaches `rows`, so 0 prints one character per
// line and wipes the plan above. Give such a terminal the classic 80x24 before Ink sees it.

export const FALLBACK_COLUMNS = 80;
export const FALLBACK_ROWS = 24;

export function withUsableSize<T extends object>(stream: T): T {
  const sized = stream as T & { columns?: number; rows?: number };
  if (!sized.columns) sized.columns = FALLBACK_COLUMNS;
  if (!sized.rows) sized.rows = FALLBACK_ROWS;
  return stream;
}
