// Kubernetes' DNS-1123 name rules, the one place podnet states them: the
// definition reader validates cluster, node, namespace and pod names with
// them, and the path tracer parses endpoints with the same rules.

export type NameKind = 'label' | 'subdomain';

const LABEL_RE = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
// With DOT_EDGE_RE, the same language as Kubernetes' subdomain regex
// (labels joined by single dots), without its nested groups.
const SUBDOMAIN_CHARS_RE = /^[a-z0-9](?:[-.a-z0-9]*[a-z0-9])?$/;
const DOT_EDGE_RE = /\.[-.]|-\./;

export const MAX_LENGTH: Record<NameKind, number> = { label: 63, subdomain: 253 };

const quote = (s: string): string => JSON.stringify(s.length > 70 ? `${s.slice(0, 67)}...` : s);

/**
 * Why `s` is not a DNS-1123 `kind`, or null. A label is at most 63
 * characters of [a-z0-9-], starting and ending alphanumeric; a subdomain is
 * at most 253 characters of dot-separated labels, so `a..b`, `a.-b` and
 * `a-.b` are not subdomains (like Kubernetes, 253 is its only length check).
 */
export function dnsNameProblem(kind: NameKind, s: string): string | null {
  const max = MAX_LENGTH[kind];
  if (s.length === 0) return 'must not be empty';
  if (s.length > max) return `${quote(s)} is too long: a DNS-1123 ${kind} has at most ${max} characters (this has ${s.length})`;
  if (kind === 'label' ? LABEL_RE.test(s) : SUBDOMAIN_CHARS_RE.test(s) && !DOT_EDGE_RE.test(s)) return null;
  const what = kind === 'label' ? "lowercase letters, digits and '-'" : "lowercase letters, digits, '-' and '.'";
  return `${quote(s)} is not a valid DNS-1123 ${kind}: use ${what}, starting and ending with a letter or digit`;
}

export const isDnsLabel = (s: string): boolean => dnsNameProblem('label', s) === null;
export const isDnsSubdomain = (s: string): boolean => dnsNameProblem('subdomain', s) === null;
