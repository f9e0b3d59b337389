/**
 * Entry of the detached mount daemon that `tmount` starts: the plan comes as
 * JSON in argv[2]; one JSON line on descriptor 3 tells tmount whether the
 * mount is up; everything else goes to the log in the state directory.
 */
import { appendFileSync, closeSync, mkdirSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DaemonReport, runDaemon } from './daemon-main.js';
import type { MountPlan } from './mount-service.js';
import { logFile } from './state.js';

const plan = JSON.parse(process.argv[2] ?? '{}') as MountPlan;
const file = logFile();
mkdirSync(dirname(file), { recursive: true, mode: 0o700 });

function log(line: string): void {
  try {
    appendFileSync(file, `${new Date().toISOString()} tmount[${process.pid}] ${plan.mountPoint}: ${line}\n`);
  } catch {
    // Nowhere left to say it.
  }
}

let reported = false;
function report(r: DaemonReport): void {
  if (reported) return;
  reported = true;
  try {
    writeSync(3, `${JSON.stringify(r)}\n`);
    closeSync(3);
  } catch {
    // tmount went away; the mount serves on.
  }
}

process.on('uncaughtException', (e) => {
  log(`internal error: ${e.stack ?? e.message}`);
  report({ ok: false, error: `internal error: ${e.message}` });
  process.exit(70);
});

// Hold no directory busy: the mount point's parent must stay unmountable.
process.chdir('/');
runDaemon(plan, report, log).then((code) => process.exit(code));
