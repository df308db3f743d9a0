// Samples this process's resident set size while a load runs. The load generator lives in a child process,
// so what is measured here is the API server (plus the idle harness), not autocannon.
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private peakBytes = 0;

  constructor(private readonly intervalMs = 20) {}

  start(): void {
    this.peakBytes = process.memoryUsage.rss();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.peakBytes;
  }

  private sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakBytes) this.peakBytes = rss;
  }
}

export const MB = 1024 * 1024;
