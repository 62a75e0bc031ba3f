import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createBodyBuffers } from '../../src/clerk/body-buffers.ts';

const chunksOf = (text: string, size: number): Buffer[] =>
  Array.from({ length: Math.ceil(text.length / size) }, (_, i) => Buffer.from(text.slice(i * size, (i + 1) * size)));

describe('createBodyBuffers', () => {
  it('joins chunks into exactly the body bytes', () => {
    const buffers = createBodyBuffers(2);
    const text = 'x'.repeat(1000) + 'é'.repeat(10);
    const bytes = buffers.join(chunksOf(text, 64), Buffer.byteLength(text));
    expect(bytes.toString('utf8')).toBe(text);
    expect(bytes.length).toBe(Buffer.byteLength(text));
  });

  it('serves the next body from a released buffer, not a new one', () => {
    const buffers = createBodyBuffers(1);
    const first = buffers.join([Buffer.from('a'.repeat(5000))], 5000);
    buffers.release(first);
    const second = buffers.join([Buffer.from('b'.repeat(4000))], 4000);
    expect(second.buffer).toBe(first.buffer);
    expect(second.toString()).toBe('b'.repeat(4000));
  });

  it('never lends one buffer twice at once, and keeps at most `keep`', () => {
    const buffers = createBodyBuffers(1);
    const a = buffers.join([Buffer.from('a')], 1);
    const b = buffers.join([Buffer.from('b')], 1);
    expect(b.buffer).not.toBe(a.buffer);
    buffers.release(a);
    buffers.release(b);
    const c = buffers.join([Buffer.from('c')], 1);
    const d = buffers.join([Buffer.from('d')], 1);
    expect(c.buffer).not.toBe(d.buffer);
    expect([c.toString(), d.toString()]).toEqual(['c', 'd']);
  });

  it('does not keep a body over the kept size', () => {
    const buffers = createBodyBuffers(4);
    const size = 5 * 1024 * 1024;
    const big = buffers.join([Buffer.alloc(size, 1)], size);
    buffers.release(big);
    const next = buffers.join([Buffer.alloc(10, 2)], 10);
    expect(next.buffer).not.toBe(big.buffer);
  });
});
