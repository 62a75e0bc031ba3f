// Buffers for response bodies, kept for the next response. A page of users is about 1 MB; a fresh buffer for each
// is memory the C allocator keeps after it is freed (glibc serves blocks of that size from its heap once a freed
// mapping has raised its mmap threshold), so a 100,000-user read left tens of MB of resident memory behind.

import { Buffer } from 'node:buffer';

/** Bodies up to this size reuse a kept buffer; larger ones (rare: 500 users with large metadata) get their own. */
const KEPT_MAX_BYTES = 4 * 1024 * 1024;
/** Kept buffers grow in steps of this size, so pages of slightly different sizes share them. */
const STEP_BYTES = 256 * 1024;

export interface BodyBuffers {
  /** `chunks` joined into one buffer of `size` bytes: a kept one when one fits. */
  join(chunks: readonly Buffer[], size: number): Buffer;
  /** Hands back what `join` returned once nothing refers to its bytes any more. */
  release(bytes: Buffer): void;
}

/** At most `keep` buffers are kept (one per request in flight is enough). */
export function createBodyBuffers(keep: number): BodyBuffers {
  const free: Buffer[] = [];
  const lent = new WeakMap<Buffer, Buffer>();
  return {
    join(chunks, size) {
      if (size > KEPT_MAX_BYTES) return Buffer.concat(chunks as Buffer[], size);
      const index = free.findIndex((buffer) => buffer.length >= size);
      const whole =
        index >= 0
          ? (free.splice(index, 1)[0] as Buffer)
          : Buffer.allocUnsafeSlow(Math.max(STEP_BYTES, Math.ceil(size / STEP_BYTES) * STEP_BYTES));
      let at = 0;
      for (const chunk of chunks) at += chunk.copy(whole, at);
      const bytes = whole.subarray(0, size);
      lent.set(bytes, whole);
      return bytes;
    },
    release(bytes) {
      const whole = lent.get(bytes);
      if (whole === undefined) return;
      lent.delete(bytes);
      if (free.length < keep) free.push(whole);
      else if (free.length > 0) {
        // Keep the larger of the two, so a kept buffer fits the next page more often.
        const smallest = free.reduce((low, buffer, i) => (buffer.length < (free[low] as Buffer).length ? i : low), 0);
        if ((free[smallest] as Buffer).length < whole.length) free[smallest] = whole;
      }
    },
  };
}
