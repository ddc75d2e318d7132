// The kernel-cluster test's agent, one per pod and per node, run inside that
// namespace as `node agent.mjs REF PORT`. It answers UDP echoes on PORT (on
// any address: it starts before the namespace's addresses exist) with its ref
// appended, and runs echo jobs read as JSON lines on stdin: send `count`
// probes `gap` ms apart to every address of `dsts`, for at most `wait` ms or
// until every one answered once (`count` times with `all`), then write the
// job's results as one JSON line: per destination, the replies, the last
// replier's ref and address, and every ref that answered (a broadcast is
// answered by every host on the segment). It exits when its stdin closes
// (the test ended or died) and after 300 s whatever happens.
import dgram from 'node:dgram';
import process from 'node:process';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';

const [ref, port] = process.argv.slice(2);
let pending = 2;
for (const [type, any] of [['udp4', '0.0.0.0'], ['udp6', '::']]) {
  const s = dgram.createSocket(type === 'udp6' ? { type, ipv6Only: true } : { type });
  s.on('message', (m, r) => s.send(`${m.toString()} ${ref}`, r.port, r.address));
  s.on('error', (e) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  });
  s.bind(Number(port), any, () => {
    if (--pending === 0) start();
  });
}

let job = null;
const socks = { udp4: dgram.createSocket('udp4'), udp6: dgram.createSocket('udp6') };
for (const s of Object.values(socks)) {
  s.on('error', () => {});
  s.on('message', (m, r) => {
    const [id, dst, , who] = m.toString().split(' ');
    if (!job || Number(id) !== job.id || !job.res[dst]) return;
    const x = job.res[dst];
    x.replies++;
    x.ref = who;
    x.from = r.address;
    if (!x.refs.includes(who)) x.refs.push(who);
    if (!job.collect && job.dsts.every((d) => job.res[d].replies >= (job.all ? job.count : 1))) job.finish();
  });
}

/** Sockets are bound before use, so that they may send to a broadcast address. */
function start() {
  let n = 2;
  for (const s of Object.values(socks)) {
    s.bind(0, () => {
      s.setBroadcast(true);
      if (--n === 0) process.stdout.write('ready\n');
    });
  }
}

const queue = [];
function next() {
  if (job || queue.length === 0) return;
  const j = queue.shift();
  job = j;
  j.res = {};
  for (const d of j.dsts) j.res[d] = { ref: null, from: null, replies: 0, refs: [] };
  let sent = 0;
  const tick = setInterval(() => {
    if (sent++ >= j.count) return clearInterval(tick);
    for (const d of j.dsts) socks[d.includes(':') ? 'udp6' : 'udp4'].send(`${j.id} ${d} ${sent}`, Number(port), d, () => {});
  }, j.gap);
  const timer = setTimeout(() => j.finish(), j.wait);
  j.finish = () => {
    clearInterval(tick);
    clearTimeout(timer);
    job = null;
    process.stdout.write(JSON.stringify({ id: j.id, res: j.res }) + '\n');
    next();
  };
}

let buf = '';
process.stdin.on('data', (b) => {
  buf += b;
  let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    queue.push(JSON.parse(buf.slice(0, i)));
    buf = buf.slice(i + 1);
  }
  next();
});
process.stdin.on('end', () => process.exit(0));
setTimeout(() => process.exit(0), 300000).unref();
