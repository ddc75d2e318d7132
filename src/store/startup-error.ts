// A start that cannot succeed, said in one line: what is wrong and what to do.
// `podnet serve` prints exactly that line (no stack trace) and exits non-zero.
export class StartupError extends Error {
  constructor(
    readonly reason: string,
    readonly fix: string,
  ) {
    super(`${reason}: ${fix}`);
    this.name = 'StartupError';
  }
}
