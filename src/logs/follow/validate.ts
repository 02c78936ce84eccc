/**
 * A small validator for the followers' JSON state files (checkpoints.json, follow-state.json).
 *
 * Hand-written rather than zod because the long-lived agent loads these modules: zod is ~95 modules
 * with all its locales (~1.3 MB of source strings kept in the heap for the process's life) for a few
 * flat objects. Each reader builds a NEW object holding only the known keys, in a fixed order (what
 * zod's object parse did): unknown keys are dropped and two equal states serialise to the same JSON.
 * A wrong value throws a StateFileError naming the file and the field's path.
 */

export class StateFileError extends Error {}

/** Where a value is: the file's label (e.g. "checkpoint file /x/checkpoints.json") and the field path. */
export interface At {
  readonly file: string;
  readonly path: string;
}

export type Obj = Readonly<Record<string, unknown>>;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'number') return `number ${v}`;
  return typeof v;
}

export function fail(at: At, expected: string, got: unknown): never {
  throw new StateFileError(
    `${at.file}: ${at.path || '(top level)'}: expected ${expected}, got ${describe(got)}`,
  );
}

/** The path of a key below `at` (`files["/var/log/syslog"].offset` style for keys that are not names). */
export function child(at: At, key: string | number): At {
  const part =
    typeof key === 'number' || !/^[A-Za-z_$][\w$]*$/.test(key)
      ? `[${JSON.stringify(key)}]`
      : at.path
        ? `.${key}`
        : key;
  return { file: at.file, path: at.path + part };
}

export function object(v: unknown, at: At): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(at, 'an object', v);
  return v as Obj;
}

/** Value checks: the value itself at `at`. */
export function str(v: unknown, at: At): string {
  if (typeof v !== 'string') fail(at, 'a string', v);
  return v;
}

export function num(v: unknown, at: At): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(at, 'a number', v);
  return v;
}

/** An integer >= 0 (offsets, line numbers, counts). */
export function nat(v: unknown, at: At): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(at, 'an integer >= 0', v);
  return v;
}

/** Field checks: o[key], named as a child of `at`. */
export function string(o: Obj, key: string, at: At): string {
  return str(o[key], child(at, key));
}

export function number(o: Obj, key: string, at: At): number {
  return num(o[key], child(at, key));
}

export function count(o: Obj, key: string, at: At): number {
  return nat(o[key], child(at, key));
}

export function literal<T extends string | number>(o: Obj, key: string, value: T, at: At): T {
  const v = o[key];
  if (v !== value) fail(child(at, key), JSON.stringify(value), v);
  return value;
}

/** `read` of o[key] when the key is present (and not undefined), else undefined. */
export function optional<T>(o: Obj, key: string, at: At, read: (v: unknown, at: At) => T): T | undefined {
  const v = o[key];
  return v === undefined ? undefined : read(v, child(at, key));
}

export function array<T>(v: unknown, at: At, item: (v: unknown, at: At) => T): T[] {
  if (!Array.isArray(v)) fail(at, 'an array', v);
  return v.map((x, i) => item(x, child(at, i)));
}

/** A string-keyed map of values; fromEntries makes every key an own property (even "__proto__"). */
export function record<T>(v: unknown, at: At, value: (v: unknown, at: At) => T): Record<string, T> {
  const o = object(v, at);
  return Object.fromEntries(Object.keys(o).map((k) => [k, value(o[k], child(at, k))]));
}

/** JSON.parse with the file named in the error. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StateFileError(`${file}: not JSON (${(err as Error).message})`, { cause: err });
  }
}
