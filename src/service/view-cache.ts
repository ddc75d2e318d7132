// A cluster's full JSON view (SPEC §3), rendered once per snapshot and kept
// for the next GET. Held as text it costs its length in memory: 21 MB at
// k8s-5k, ~280 MB at k8s-65k, for as long as the version stands. Above
// COMPRESS_VIEW_ABOVE the text is gzipped in the background (zlib's thread
// pool, not the event loop) and the gzip kept instead, a few percent of the
// text: a client that accepts gzip gets those bytes as they are, any other
// the text decompressed as a stream. The gzip holds the text and a final
// newline, as every JSON answer ends (src/app.ts).
import { gunzipSync, gzip } from 'node:zlib';
import { droppedGarbage } from '../memory.js';

/** Views longer than this (UTF-16 code units ≈ bytes: the view is ASCII but for names) are kept gzipped. */
export const COMPRESS_VIEW_ABOVE = 1 << 20;

/** What to send for the view: its text, or its gzip. */
export type ViewBody = { text: string; gzip?: undefined } | { gzip: Buffer; text?: undefined };

export class ViewCache {
  private text: string | null = null;
  private gz: Buffer | null = null;
  /** Resolves when the background compression started by the last keep() has ended (tests, shutdown). */
  settled: Promise<void> = Promise.resolve();

  constructor(
    private readonly render: () => string,
    private readonly compressAbove = COMPRESS_VIEW_ABOVE,
  ) {}

  /** The view's text: kept, else decompressed, else rendered (and kept). */
  json(): string {
    if (this.text !== null) return this.text;
    if (this.gz) {
      const b = gunzipSync(this.gz);
      return b.toString('utf8', 0, b.length - 1); // without the final newline
    }
    return this.keep(this.render());
  }

  /** What to answer a GET with: the kept gzip if there is one, else the text. */
  body(): ViewBody {
    return this.gz ? { gzip: this.gz } : { text: this.json() };
  }

  /** A writer rendered the identical view for its own answer: keep it, unless one is kept already. */
  adopt(json: string): void {
    if (this.text === null && !this.gz) this.keep(json);
  }

  private keep(json: string): string {
    this.text = json;
    if (json.length > this.compressAbove) {
      this.settled = new Promise((resolve) => {
        // Level 1: the view is repetitive enough that higher levels buy little for several times the CPU.
        gzip(`${json}\n`, { level: 1 }, (err, buf) => {
          // Failing to compress costs memory, not correctness: the text stays.
          if (!err && this.text === json) {
            this.gz = buf;
            this.text = null;
            droppedGarbage(2 * json.length); // the text and the copy with its newline
          }
          resolve();
        });
      });
    }
    return json;
  }
}
