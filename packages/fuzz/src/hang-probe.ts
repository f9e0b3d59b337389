/**
 * Where a hung worker is stuck. Before a worker that overran its timeout is
 * terminated, the engine pauses it through the inspector (the NodeWorker
 * domain of the engine thread's own session reaches its workers) and reads
 * the paused call frames: a hang then has a stack, and hangs in the same
 * loop are one finding. A worker idle on a promise that never settles never
 * pauses; that hang keeps no stack.
 */
import { Session } from 'node:inspector';

interface CallFrame {
  functionName: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

interface WorkerMessage {
  method?: string;
  params?: { callFrames?: CallFrame[]; scriptId?: string; url?: string };
}

/** One stack reading in progress: the worker's script URLs, and who waits for the pause. */
interface Probe {
  scripts: Map<string, string>;
  paused: (frames: CallFrame[]) => void;
}

/** How long to wait for a busy worker to reach a pause point. */
const PAUSE_WAIT_MS = 500;

export class HangProbe {
  private readonly session = new Session();
  /** Inspector session id per worker title ("[worker N] name"). */
  private readonly sessions = new Map<string, string>();
  private readonly probes = new Map<string, Probe>();
  private nextId = 1;
  private closed = false;

  constructor() {
    this.session.connect();
    this.session.on('NodeWorker.attachedToWorker', ({ params }) => {
      this.sessions.set(params.workerInfo.title, params.sessionId);
    });
    this.session.on('NodeWorker.detachedFromWorker', ({ params }) => {
      for (const [title, sessionId] of this.sessions) {
        if (sessionId === params.sessionId) this.sessions.delete(title);
      }
    });
    this.session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
      const probe = this.probes.get(params.sessionId);
      if (!probe) return;
      const message = JSON.parse(params.message) as WorkerMessage;
      if (message.method === 'Debugger.scriptParsed' && message.params?.scriptId) {
        probe.scripts.set(message.params.scriptId, message.params.url ?? '');
      } else if (message.method === 'Debugger.paused') {
        probe.paused(message.params?.callFrames ?? []);
      }
    });
    this.session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  }

  /**
   * The stack of a running worker, in Error.stack's "at" form; undefined if it
   * does not pause in time. Workers are known by the name they were started
   * with (the inspector numbers them its own way, not by thread id).
   */
  async stackOf(workerName: string): Promise<string | undefined> {
    let sessionId: string | undefined;
    for (const [title, id] of this.sessions) if (title.endsWith(`] ${workerName}`)) sessionId = id;
    if (sessionId === undefined) return undefined;
    const probe: Probe = { scripts: new Map(), paused: () => {} };
    const frames = new Promise<CallFrame[] | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), PAUSE_WAIT_MS);
      probe.paused = (callFrames) => {
        clearTimeout(timer);
        resolve(callFrames);
      };
    });
    this.probes.set(sessionId, probe);
    // Enabling the debugger lists the worker's scripts (scriptParsed), which names the frames' scripts.
    this.send(sessionId, 'Debugger.enable');
    this.send(sessionId, 'Debugger.pause');
    const paused = await frames;
    // A worker left paused would not end when terminated.
    this.send(sessionId, 'Debugger.disable');
    this.probes.delete(sessionId);
    if (!paused) return undefined;
    const lines = paused.map((f) => `    at ${frameText(f, probe.scripts.get(f.location.scriptId))}`);
    return ['Hang: the input did not finish in time', ...lines].join('\n');
  }

  private send(sessionId: string, method: string): void {
    if (this.closed) return;
    const message = JSON.stringify({ id: this.nextId++, method, params: {} });
    this.session.post('NodeWorker.sendMessageToWorker', { sessionId, message });
  }

  close(): void {
    this.closed = true;
    for (const probe of this.probes.values()) probe.paused([]);
    this.session.disconnect();
  }
}

/** A frame as V8 writes it in Error.stack: "fn (url:line:col)", or "url:line:col" for an anonymous function. */
function frameText(f: CallFrame, url: string | undefined): string {
  const where = `${url || '<eval>'}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1}`;
  return f.functionName ? `${f.functionName} (${where})` : where;
}
