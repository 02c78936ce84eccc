/**
 * The corpus: every test/corpus/<source>/<case>.log is run through the LogPipeline and checked
 * against its <case>.expected.json (format in test/corpus/README.md). One test per case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogPipeline } from '../../src/logs/index.js';
import type { Event } from '../../src/events/index.js';
import type { Session } from '../../src/logs/index.js';
import { haveFormats, partialMismatch, recordsOf, type ExpectedCase } from './corpus-support.js';

const ROOT = fileURLToPath(new URL('../corpus/', import.meta.url));

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.log')) out.push(p);
  }
  return out;
}

const cases = walk(ROOT);

test('the corpus has cases', () => {
  assert.ok(cases.length >= 10, `expected at least 10 corpus cases, found ${cases.length}`);
});

for (const logPath of cases) {
  const name = relative(ROOT, logPath);
  test(`corpus ${name}`, async (t) => {
    const expPath = logPath.replace(/\.log$/, '.expected.json');
    const exp = JSON.parse(readFileSync(expPath, 'utf8')) as ExpectedCase;
    if (exp.requires === 'formats' && !(await haveFormats())) {
      t.skip('needs the line parser of src/logs/formats (not in this tree, or PPTPMON_CORPUS_ADAPTER=1)');
      return;
    }
    assert.ok(exp.description && exp.source, `${name}: expected.json needs description and source`);
    const { recs, via } = await recordsOf(readFileSync(logPath, 'utf8'), name, exp.pppdLogfile ?? false);
    const p = new LogPipeline({ host: exp.host ?? 'localhost' });
    const events: Event[] = [];
    const sessions: Session[] = [];
    for (const r of recs) {
      events.push(...p.push(r));
      sessions.push(...p.drainClosed());
    }
    sessions.push(...p.finish());
    const ctx = `${name} (read via ${via})`;

    const listedKinds = new Set((exp.events ?? []).map((e) => e.kind));
    const used = new Set<Event>();
    for (const want of exp.events ?? []) {
      const candidates = events.filter(
        (e) => e.source?.line === want.line && e.kind === want.kind && !used.has(e),
      );
      assert.ok(
        candidates.length > 0,
        `${ctx}: no ${want.kind} event on line ${want.line}; line has: ${
          events
            .filter((e) => e.source?.line === want.line)
            .map((e) => e.kind)
            .join(', ') || 'nothing'
        }`,
      );
      const { line: _l, kind: _k, ...fields } = want;
      const ok = candidates.find(
        (e) => partialMismatch(e as unknown as Record<string, unknown>, fields) === undefined,
      );
      assert.ok(
        ok,
        `${ctx}: ${want.kind} on line ${want.line}: ${partialMismatch(candidates[0] as unknown as Record<string, unknown>, fields)}`,
      );
      used.add(ok);
    }
    const extra = events.filter((e) => listedKinds.has(e.kind) && !used.has(e));
    assert.deepEqual(
      extra.map((e) => `${e.kind}@${e.source?.line}`),
      [],
      `${ctx}: events of listed kinds that the case does not expect`,
    );

    if (exp.sessions) {
      const show = sessions.map(({ evidence: _e, eventIds: _i, ...rest }) => rest);
      assert.equal(
        sessions.length,
        exp.sessions.length,
        `${ctx}: session count; got ${JSON.stringify(show, null, 1)}`,
      );
      const free = new Set(sessions);
      exp.sessions.forEach((want, i) => {
        const hit = [...free].find(
          (s) => partialMismatch(s as unknown as Record<string, unknown>, want) === undefined,
        );
        const why = [...free]
          .map((s) => partialMismatch(s as unknown as Record<string, unknown>, want))
          .join(' | ');
        assert.ok(hit, `${ctx}: expected session #${i + 1} ${JSON.stringify(want)} matches none: ${why}`);
        for (const sub of want.evidenceIncludes ?? [])
          assert.ok(
            hit.evidence.some((l) => l.includes(sub)),
            `${ctx}: session #${i + 1} evidence lacks "${sub}"`,
          );
        assert.ok(hit.evidence.length > 0, `${ctx}: session #${i + 1} has no evidence`);
        free.delete(hit);
      });
    }
    if (exp.unclassified !== undefined)
      assert.equal(
        p.stats().unclassified,
        exp.unclassified,
        `${ctx}: unclassified ${JSON.stringify(p.unclassified().slice(0, 5))}`,
      );
    assert.equal(p.stats().internalErrors, 0, `${ctx}: pipeline internal errors`);
  });
}
