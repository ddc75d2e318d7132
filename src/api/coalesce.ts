// Answers written once per event-loop turn. The requests that one poll of the
// event loop reads are answered together, in the turn's check phase, instead
// of each as soon as it is made: the kernel then wakes a waiting client (and
// the service sleeps and wakes) once per batch of answers rather than once
// per answer, which on a loaded service is a large share of each request's
// CPU (loopback, 2 vCPUs, 10 connections, means of a paired A/B:
// `{ __typename }` 32 % less CPU a request, a GraphQL path 14 % less;
// BENCHMARKS.md, "Answers written once a turn"). An idle service loses
// nothing: the check phase follows the poll that read the request at once.
// The deferral is in onSend (app.ts), so it holds for every route and every
// payload alike.

let turn: Promise<void> | null = null;

/** Resolves in this event-loop turn's check phase: one immediate and one promise shared by every answer of the turn. */
export function endOfTurn(): Promise<void> {
  return (turn ??= new Promise<void>((resolve) => setImmediate(() => {
    turn = null;
    resolve();
  })));
}
