// A cluster's full JSON view (SPEC §3), rendered once per snapshot and kept
// for the next GET. Held as text it costs its length in memory: 21 MB at
// k8s-5k, ~280 MB at k8s-65k, for as long as the version stands. So a large
// view is kept as gzip, a few percent of the text: a client that accepts
// gzip gets those bytes as they are, any other the text decompressed as a
// stream. The gzip holds the text and a final newline, as every JSON answer
// ends (src/app.ts).
//
// A GET renders a large view in pieces (a few thousand nodes or pods each)
// straight into the gzip stream, yielding to the event loop between pieces:
// no request holds the loop for the whole rendering (seconds at k8s-65k),
// and neither the whole text nor a view object per pod exists at once.
// Compression runs in zlib's thread pool.
import { once } from 'node:events';
import { createGzip, gunzipSync, gzip } from 'node:zlib';
import { droppedGarbage } from '../memory.js';

/** Views longer than this (UTF-16 code units ≈ bytes: the view is ASCII but for names) are kept gzipped. */
export const COMPRESS_VIEW_ABOVE = 1 << 20;

/** What to send for the view: its text, or its gzip. */
export type ViewBody = { text: string; gzip?: undefined } | { gzip: Buffer; text?: undefined };

export interface ViewRenderer {
  /** The whole text at once (an apply's answer, small views). */
  text(): string;
  /** The same text in pieces (see clusterViewPieces), or null when the view is small enough to render whole. */
  pieces(): Iterable<string> | null;
}

export class ViewCache {
  private text: string | null = null;
  private gz: Buffer | null = null;
  private rendering: Promise<Buffer> | null = null;
  /** Resolves when the background compression started by the last keep() has ended (tests, shutdown). */
  settled: Promise<void> = Promise.resolve();

  constructor(
    private readonly render: ViewRenderer,
    private readonly compressAbove = COMPRESS_VIEW_ABOVE,
  ) {}

  /** The view's text: kept, else decompressed, else rendered (and kept). */
  json(): string {
    if (this.text !== null) return this.text;
    if (this.gz) {
      const b = gunzipSync(this.gz);
      return b.toString('utf8', 0, b.length - 1); // without the final newline
    }
    return this.keep(this.render.text());
  }

  /** What to answer a GET with: the kept gzip or text; else a large view rendered in pieces into gzip, or a small one whole. */
  async body(): Promise<ViewBody> {
    if (this.gz) return { gzip: this.gz };
    if (this.text !== null) return { text: this.text };
    const pieces = this.rendering ? null : this.render.pieces();
    if (!this.rendering && pieces === null) return { text: this.json() };
    this.rendering ??= gzipPieces(pieces!);
    let gz: Buffer;
    try {
      gz = await this.rendering;
    } catch {
      // zlib failed (no memory, say): the text, rendered whole, is still an answer.
      return { text: this.json() };
    } finally {
      this.rendering = null;
    }
    // A writer's adopted text may have come first: keep one form, the gzip.
    this.gz ??= gz;
    this.text = null;
    return { gzip: this.gz };
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

/** The pieces and a final newline through gzip (level 1), one piece per turn of the event loop. */
async function gzipPieces(pieces: Iterable<string>): Promise<Buffer> {
  const z = createGzip({ level: 1 });
  const out: Buffer[] = [];
  z.on('data', (b: Buffer) => out.push(b));
  const ended = once(z, 'end');
  for (const p of pieces) {
    if (!z.write(p)) await once(z, 'drain');
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
  z.end('\n');
  await ended;
  return Buffer.concat(out);
}
