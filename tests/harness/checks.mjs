// What every Node test script under tests/ shares: named checks that print TAP-like
// lines, a closing "<label>: N passed, N failed" line that .ci/run adds up, and the small
// process helpers for starting services on free ports.
import net from 'node:net';

export const results = [];

/** Runs one named check; a thrown error fails it and the script goes on. */
export async function check(name, body, describe = (error) => (error && error.stack ? error.stack.split('\n').slice(0, 3).join(' | ') : String(error))) {
  try {
    await body();
    results.push(true);
    console.log(`ok - ${name}`);
  } catch (error) {
    results.push(false);
    console.log(`FAIL - ${name}: ${describe(error)}`);
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function failed() {
  return results.includes(false);
}

/** Prints the closing line and returns the exit code: 0 only if checks ran and all passed. */
export function summary(label) {
  const passed = results.filter(Boolean).length;
  console.log(`${label}: ${passed} passed, ${results.length - passed} failed`);
  return results.length > 0 && passed === results.length ? 0 : 1;
}

export function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `url` answers 200. */
export async function waitFor(url, limitMs) {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 200 within ${limitMs} ms`);
}
