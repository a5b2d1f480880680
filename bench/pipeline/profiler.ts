/**
 * CPU profiles for `--profile`: the in-process worker is profiled with node:inspector's Profiler
 * (main thread only: it also covers the harness and emulators that share the process); child
 * worker processes use `node --cpu-prof` (see spawnWorker), whose files are listed here.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

export interface InProcessProfiler {
  /** Stops profiling and writes the .cpuprofile; returns its path (once; later calls return it again). */
  stop(): Promise<string | undefined>;
}

/** Starts the V8 CPU profiler on this process's main thread; the profile goes to `dir`. */
export async function startInProcessProfiler(dir: string, name: string): Promise<InProcessProfiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  let done: Promise<string | undefined> | undefined;
  return {
    stop() {
      done ??= (async () => {
        try {
          const { profile } = await session.post('Profiler.stop');
          fs.mkdirSync(dir, { recursive: true });
          const file = path.join(dir, `${name}.cpuprofile`);
          fs.writeFileSync(file, JSON.stringify(profile));
          return file;
        } catch (err) {
          process.stderr.write(`bench: in-process CPU profile failed: ${(err as Error).message}\n`);
          return undefined;
        } finally {
          session.disconnect();
        }
      })();
      return done;
    },
  };
}

/** The .cpuprofile files in `dir` (none when it does not exist), sorted. */
export function listProfiles(dir: string | undefined): string[] {
  if (!dir || !fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => path.join(dir, f));
}
