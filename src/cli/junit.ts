// JUnit XML for CI test reports (GitLab, Jenkins, GitHub test reporters):
// one <testsuite> per verified cluster, one <testcase> per check, a
// <failure> listing the check's failures, or an <error> when there was no
// answer to judge (the cluster is missing, the server unreachable).

export interface JUnitCase {
  name: string;
  classname: string;
  /** Seconds. */
  time?: number;
  /** Shown in the test report's output pane. */
  systemOut?: string;
  failure?: { message: string; type?: string; body: string };
  /** The case could not be run at all. */
  error?: { message: string; type?: string; body: string };
}

export interface JUnitSuite {
  name: string;
  timestamp: Date;
  /** Seconds. */
  time: number;
  properties?: Record<string, string>;
  cases: JUnitCase[];
}

// XML 1.0 allows tab, LF, CR and characters from U+0020 on (minus surrogates
// out of pairs, U+FFFE and U+FFFF).
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Escapes text for element content and (double- or single-quoted) attribute values. */
export function xmlEscape(s: string): string {
  return s
    .replace(INVALID_XML, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Attribute values additionally keep their line breaks and tabs (else parsers normalise them to spaces). */
function attr(s: string): string {
  return xmlEscape(s).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const seconds = (t: number | undefined) => (t ?? 0).toFixed(3);

export function junitXml(suite: JUnitSuite): string {
  const failures = suite.cases.filter((c) => c.failure).length;
  const errors = suite.cases.filter((c) => c.error).length;
  const tests = suite.cases.length;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="${attr(suite.name)}" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(suite.time)}">`);
  out.push(
    `  <testsuite name="${attr(suite.name)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="0"` +
      ` timestamp="${suite.timestamp.toISOString().replace(/\.\d{3}Z$/, '')}" time="${seconds(suite.time)}">`,
  );
  const props = Object.entries(suite.properties ?? {});
  if (props.length > 0) {
    out.push('    <properties>');
    for (const [k, v] of props) out.push(`      <property name="${attr(k)}" value="${attr(v)}"/>`);
    out.push('    </properties>');
  }
  for (const c of suite.cases) {
    const open = `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="${seconds(c.time)}"`;
    if (!c.failure && !c.error && c.systemOut === undefined) {
      out.push(`${open}/>`);
      continue;
    }
    out.push(`${open}>`);
    for (const [tag, f] of [['failure', c.failure], ['error', c.error]] as const) {
      if (!f) continue;
      const type = f.type ? ` type="${attr(f.type)}"` : '';
      out.push(`      <${tag} message="${attr(f.message)}"${type}>${xmlEscape(f.body)}</${tag}>`);
    }
    if (c.systemOut !== undefined) out.push(`      <system-out>${xmlEscape(c.systemOut)}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>');
  return out.join('\n') + '\n';
}
