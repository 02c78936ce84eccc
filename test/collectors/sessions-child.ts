/**
 * Runs the sessions collector once or twice inside a network namespace (started by the test through
 * `ip netns exec`, because /proc/net/dev and `ip addr` show the netns of the reading process).
 * argv: <runRoot> <pause ms between two collects>; prints the second collect's events as JSON.
 */
import { createSessionsCollector } from '../../src/collectors/sessions.js';
import { defaultContext } from '../../src/collectors/types.js';

const [runRoot, pauseText] = process.argv.slice(2);
const c = createSessionsCollector(defaultContext({ runRoot, host: 'lab' }), { everyInterval: true });
await c.collect();
await new Promise((r) => setTimeout(r, Number(pauseText ?? '500')));
process.stdout.write(JSON.stringify(await c.collect()));
