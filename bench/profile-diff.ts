// Where one kind of request costs more than another: two server profiles of
// the same run (`npm run bench -- --only path --profile` writes the floor's,
// graphql-floor.cpuprofile, and the path's, graphql-path.cpuprofile), each
// function's self time divided by the requests its profile served, and the
// differences, largest first. What the GraphQL path's ratio to
// `{ __typename }` depends on is exactly that difference (BENCHMARKS.md,
// "GraphQL path, sixth pass").
//
//   npx tsx bench/profile-diff.ts FLOOR.cpuprofile FLOOR_REQUESTS PATH.cpuprofile PATH_REQUESTS [--top N]
//
// The request counts are in the bench's output: the path's "N requests",
// the floor's req/s × 10 s.
import { summarise } from './profile.js';

/** µs of self time per function (`name file:line`), as bench/profile.ts counts it (idle, root and program left out). */
function selfTimes(file: string): Map<string, number> {
  return new Map(summarise(file, Infinity).bySelf.map((h) => [`${h.fn} ${h.where}`, h.selfMs * 1000]));
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 40;
const [fileA, countA, fileB, countB] = args.filter((_, i) => topAt < 0 || (i !== topAt && i !== topAt + 1));
const na = Number(countA);
const nb = Number(countB);
if (!fileA || !fileB || !(na > 0) || !(nb > 0) || !(top > 0)) {
  console.error('usage: npx tsx bench/profile-diff.ts A.cpuprofile A_REQUESTS B.cpuprofile B_REQUESTS [--top N]');
  process.exit(2);
}
const a = selfTimes(fileA);
const b = selfTimes(fileB);
const rows = [...new Set([...a.keys(), ...b.keys()])].map((k) => ({ k, a: (a.get(k) ?? 0) / na, b: (b.get(k) ?? 0) / nb }));
const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((t, r) => t + f(r), 0);
console.log(`busy µs per request: ${sum((r) => r.a).toFixed(1)} (A) and ${sum((r) => r.b).toFixed(1)} (B), B − A ${(sum((r) => r.b) - sum((r) => r.a)).toFixed(1)}`);
console.log(`${'B − A'.padStart(7)} ${'A'.padStart(7)} ${'B'.padStart(7)}  function`);
for (const r of rows.sort((x, y) => (y.b - y.a) - (x.b - x.a)).slice(0, top)) {
  console.log(`${(r.b - r.a).toFixed(2).padStart(7)} ${r.a.toFixed(2).padStart(7)} ${r.b.toFixed(2).padStart(7)}  ${r.k}`);
}
