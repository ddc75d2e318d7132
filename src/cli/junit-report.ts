// Writing a command's JUnit report: shared by `verify --junit` and `diff --junit`,
// which both write one even when the answer is negative or the server is down.
import { writeFile } from 'node:fs/promises';
import { InputError, type Ctx } from './command.js';
import { junitXml, type JUnitCase } from './junit.js';

/** Writes the suite `podnet <command> <cluster>` to `file`; an unwritable file is an input error. */
export async function writeJunitReport(
  ctx: Ctx,
  command: string,
  file: string,
  cluster: string,
  started: Date,
  cases: JUnitCase[],
): Promise<void> {
  const xml = junitXml({
    name: `podnet ${command} ${cluster}`,
    timestamp: started,
    time: (Date.now() - started.getTime()) / 1000,
    properties: { cluster, server: ctx.config.url },
    cases,
  });
  try {
    await writeFile(file, xml);
  } catch (err) {
    throw new InputError(`cannot write the JUnit report ${file}: ${(err as Error).message}`);
  }
}
