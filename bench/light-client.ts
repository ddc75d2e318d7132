// A client process of its own for timed requests whose answers are large (a
// 65,000-route table is ~21 MB): the bench's own process holds the workload
// (the definition's objects, its 120 MB text at k8s-65k), and every answer it
// receives in 64 KB Buffers drives its collector, whose full collections of
// that heap were timed as the service's wall time (90-100 ms p50 at k8s-65k
// for tables the service sent in ~25 ms: curl saw 22-30 ms). This process
// holds nothing but the URLs: GETs them one at a time over one kept-alive
// connection, reading the bytes and keeping only their count, after one
// untimed GET of the first (the connection opened and this process warm, as
// the bench's own connection was after its cold request).
//
//   fork(light-client.ts) · send {base, urls, timeoutMs} · receive {results} | {error}
import nodeHttp from 'node:http';

interface Job { base: string; urls: string[]; timeoutMs: number }
export interface LightResult { status: number; ms: number; bytes: number }

const agent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 1 });

function getOnce(base: string, url: string, timeoutMs: number): Promise<LightResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = nodeHttp.request(base + url, { method: 'GET', agent, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, bytes }));
    });
    req.on('error', reject);
    req.end();
  });
}

process.once('message', (job: Job) => {
  void (async () => {
    try {
      const results: LightResult[] = [];
      if (job.urls.length > 0) await getOnce(job.base, job.urls[0]!, job.timeoutMs);
      for (const url of job.urls) results.push(await getOnce(job.base, url, job.timeoutMs));
      process.send!({ results });
    } catch (e) {
      process.send!({ error: String(e instanceof Error ? e.message : e) });
    } finally {
      agent.destroy();
      process.disconnect();
    }
  })();
});
