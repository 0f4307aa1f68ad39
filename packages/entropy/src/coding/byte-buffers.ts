/**
 * Growable byte buffer written front to back (range coder output). Doubling growth
 * keeps appends amortised O(1) without per-byte allocation.
 */
export class ForwardBytes {
  /** Backing store; bytes `0 .. length - 1` are written. Replaced when it grows. */
  buf: Uint8Array;
  /** Number of bytes written. */
  length = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  /** Appends one byte (the low 8 bits of `byte`). */
  push(byte: number): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[this.length++] = byte;
  }

  /** The written bytes, as a fresh array of exactly {@link ForwardBytes.length} bytes. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  /** Makes room for `extra` more bytes; returns the (possibly new) backing store. */
  reserve(extra: number): Uint8Array {
    while (this.length + extra > this.buf.length) this.grow();
    return this.buf;
  }

  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }
}

/**
 * Growable byte buffer written back to front (rANS encodes in reverse, so its output
 * is produced last byte first).
 */
export class BackwardBytes {
  /** Backing store; bytes `start .. buf.length - 1` are written. Replaced when it grows. */
  buf: Uint8Array;
  /** Index of the first written byte. */
  start: number;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, capacity));
    this.start = this.buf.length;
  }

  /** Prepends one byte (the low 8 bits of `byte`). */
  push(byte: number): void {
    if (this.start === 0) this.grow();
    this.buf[--this.start] = byte;
  }

  /** The written bytes in stream order, as a fresh array. */
  toBytes(): Uint8Array {
    return this.buf.slice(this.start);
  }

  /** Makes room for `extra` more bytes in front; returns the (possibly new) backing store. */
  reserve(extra: number): Uint8Array {
    while (this.start < extra) this.grow();
    return this.buf;
  }

  private grow(): void {
    const used = this.buf.length - this.start;
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf.subarray(this.start), next.length - used);
    this.start = next.length - used;
    this.buf = next;
  }
}
