/**
 * A small seeded pseudo-random generator (SplitMix32-style) whose whole state is one
 * 32-bit integer, so training checkpoints can store and restore it exactly.
 */
export class SeededRandom {
  /** The current state (store it to resume the sequence). */
  state: number;

  /** @param seed - Any integer; the sequence is a pure function of it. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
