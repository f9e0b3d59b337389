/**
 * The mount daemon's life: start the mount, say whether that worked, serve
 * until the kernel unmounts it (or a signal asks for that), then clean up. Used
 * by the detached daemon process and by `tmount -f` in the foreground alike.
 */
import { FuseMountError } from './fuse/index.js';
import { type MountPlan, startMount } from './mount-service.js';

export interface DaemonReport {
  ok: boolean;
  error?: string;
  code?: string;
}

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export async function runDaemon(
  plan: MountPlan,
  report: (r: DaemonReport) => void,
  log: (line: string) => void,
): Promise<number> {
  let mount: Awaited<ReturnType<typeof startMount>>;
  try {
    mount = await startMount(plan, log);
  } catch (e) {
    const err = e as Error & { code?: unknown };
    log(`mount failed: ${err.message}`);
    report({ ok: false, error: err.message, code: typeof err.code === 'string' ? err.code : undefined });
    return 1;
  }
  log(`mounted ${plan.source.special} (${plan.fstypeShown})`);
  report({ ok: true });
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: unmounting`);
    mount
      .stop()
      .catch((e: Error) =>
        log(`unmount on ${signal} failed: ${e instanceof FuseMountError ? e.message : String(e)}`),
      );
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  const end = await mount.ended;
  for (const s of SIGNALS) process.off(s, onSignal);
  log(`session ended: ${end.reason}${end.message ? ` (${end.message})` : ''}`);
  mount.cleanup();
  return end.reason === 'failed' ? 1 : 0;
}
