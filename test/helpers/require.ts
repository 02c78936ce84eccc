/**
 * PPTPMON_REQUIRE: which real components a run must have. A test that needs a component it cannot get
 * (PostgreSQL down, no netns, no journald, no lab VM, no shared/design beside the clone) normally skips
 * with the reason; when the component is named here (comma list, e.g. `pg,netns,journald`) it FAILS with
 * that reason instead, so CI cannot go green while a real-component suite silently did not run.
 * scripts/test.sh sets `pg,netns,journald` unless the variable is already set (`lab` is left out: the
 * guide lets lab tests skip where qemu truly cannot run; `design` too: CI may run without shared/).
 */

/** The components a test may require. */
export type Component = 'pg' | 'lab' | 'journald' | 'netns' | 'design';

const KNOWN: readonly Component[] = ['pg', 'lab', 'journald', 'netns', 'design'];

/** Parses a PPTPMON_REQUIRE value; an unknown name is an error (a typo must not silently require nothing). */
export function parseRequire(value: string | undefined): Set<Component> {
  const out = new Set<Component>();
  for (const raw of (value ?? '').split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!(KNOWN as readonly string[]).includes(name))
      throw new Error(`PPTPMON_REQUIRE: unknown component "${name}" (known: ${KNOWN.join(', ')})`);
    out.add(name as Component);
  }
  return out;
}

/** Whether this run must have `component` (from PPTPMON_REQUIRE in `env`). */
export function isRequired(component: Component, env: NodeJS.ProcessEnv = process.env): boolean {
  return parseRequire(env.PPTPMON_REQUIRE).has(component);
}

/** The message a required-but-missing component fails with. */
export function requiredMessage(component: Component, reason: string): string {
  return `${component} is required by PPTPMON_REQUIRE but unavailable: ${reason}`;
}

/**
 * In place of `t.skip(reason)`: skips, or throws (failing the test with the reason) when the component is
 * required. Call as `return skipOrFail(t, 'netns', why)`.
 */
export function skipOrFail(
  t: { skip(message?: string): void },
  component: Component,
  reason: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (isRequired(component, env)) throw new Error(requiredMessage(component, reason));
  t.skip(reason);
}

/**
 * For `test/describe` options: `{ skip: skipUnlessRequired('pg', why) }`. The reason (skip) when the
 * component is optional; `false` when it is required, so the tests run and fail on the missing component
 * (their setup must then throw the reason: see test/store/drivers.ts).
 */
export function skipUnlessRequired(
  component: Component,
  reason: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | false {
  if (reason === undefined) return false;
  return isRequired(component, env) ? false : reason;
}
