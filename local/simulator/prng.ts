/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same jobs, lifecycles and
 * faults on every run and every machine, so a local run or a test can be replayed exactly.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    // Any integer seed; 0 is fine too (the constant below moves the state before the first output).
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One key of `weights`, chosen with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return (entries.at(-1) as [K, number])[0];
  }

  /** `length` characters drawn from `alphabet`. */
  chars(length: number, alphabet: string): string {
    let out = '';
    for (let index = 0; index < length; index += 1)
      out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  hex(length: number): string {
    return this.chars(length, '0123456789abcdef');
  }

  /** Digits without a leading zero (HealthOmics ids read like numbers). */
  digits(length: number): string {
    return this.chars(1, '123456789') + this.chars(length - 1, '0123456789');
  }

  /** A generator of its own, derived from this one: adding draws here never shifts the other's sequence. */
  fork(): Prng {
    return new Prng(Math.floor(this.next() * 4_294_967_296));
  }
}
