/**
 * Label matchers as Alertmanager writes them: `name=value`, `name!=value`, `name=~regex`,
 * `name!~regex` (regexes anchored at both ends, as in Alertmanager, so `pptpd` does not match
 * `pptpd-crash`). Used by silences, inhibition rules and routes.
 */
export interface LabelMatcher {
  name: string;
  value: string;
  op: '=' | '!=' | '=~' | '!~';
}

const MATCHER_RE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** Parses `alertname=~"pptpd-.*"`; throws with the text when it is not a matcher. */
export function parseMatcher(text: string): LabelMatcher {
  const m = MATCHER_RE.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) {
    throw new Error(`expected a matcher like name="value" or name=~"regex", got ${JSON.stringify(text)}`);
  }
  let value = m[3];
  if (
    value.length >= 2 &&
    (value.startsWith('"') || value.startsWith("'")) &&
    value.endsWith(value[0] ?? '')
  ) {
    value = value.slice(1, -1);
  }
  const op = m[2] as LabelMatcher['op'];
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(value);
    } catch (err) {
      throw new Error(`bad regex in ${JSON.stringify(text)}: ${(err as Error).message}`, { cause: err });
    }
  }
  return { name: m[1], op, value };
}

const regexCache = new Map<string, RegExp>();
function anchored(src: string): RegExp {
  let re = regexCache.get(src);
  if (re === undefined) {
    re = new RegExp(`^(?:${src})$`);
    if (regexCache.size > 10_000) regexCache.clear();
    regexCache.set(src, re);
  }
  return re;
}

export function matches(m: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  // A missing label is the empty string, as in Alertmanager (so `x!="a"` matches alerts without x).
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return anchored(m.value).test(v);
    case '!~':
      return !anchored(m.value).test(v);
  }
}

export function matchesAll(ms: readonly LabelMatcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of ms) if (!matches(m, labels)) return false;
  return true;
}

export function formatMatcher(m: LabelMatcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
