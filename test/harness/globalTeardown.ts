/** Jest global tear-down: stops the services started by globalSetup, whatever the test results. */
import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const s = globalThis.__TERRAFIX_SERVICES__;
  if (!s) return;
  await Promise.allSettled([s.temporal?.stop(), s.redis?.stop()]);
  fs.rmSync(s.dir, { recursive: true, force: true });
}
