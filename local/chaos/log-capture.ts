/**
 * Captures every line the process writes to stdout and stderr (Powertools' logger writes one JSON object a
 * line through a `Console` bound to those streams), so a run's logs can be searched for what must never be
 * there. `passThrough` keeps printing them as well.
 */
export class LogCapture {
  readonly lines: string[] = [];
  private partial = '';
  private restore: (() => void) | undefined;

  constructor(private readonly options: { readonly passThrough?: boolean } = {}) {}

  start(): this {
    if (this.restore) return this;
    const streams = [process.stdout, process.stderr] as const;
    const originals = streams.map((stream) => stream.write.bind(stream));
    streams.forEach((stream, index) => {
      const original = originals[index] as typeof stream.write;
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        this.take(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        if (this.options.passThrough) return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
        const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }) as typeof stream.write;
    });
    this.restore = () => {
      streams.forEach((stream, index) => {
        stream.write = originals[index] as typeof stream.write;
      });
    };
    return this;
  }

  stop(): void {
    if (this.partial !== '') this.lines.push(this.partial);
    this.partial = '';
    this.restore?.();
    this.restore = undefined;
  }

  clear(): void {
    this.lines.length = 0;
  }

  /** The lines that parse as JSON objects (the structured log lines). */
  records(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const line of this.lines) {
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
          out.push(parsed as Record<string, unknown>);
      } catch {
        // not a JSON line
      }
    }
    return out;
  }

  /** Lines containing `needle` (case-sensitive). */
  containing(needle: string): string[] {
    return this.lines.filter((line) => line.includes(needle));
  }

  private take(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) if (line !== '') this.lines.push(line);
  }
}
