/**
 * Linux signal numbers on x86-64 (arch/x86/include/uapi/asm/signal.h) with
 * their default actions (signal(7)): the table the runtime decides with when
 * a program has installed no handler.
 */

/** What happens to a process that receives a signal it has no handler for. */
export type DefaultAction = 'term' | 'core' | 'ignore' | 'stop' | 'continue';

export const SIG = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
} as const;

/** Signals 1-64; 32 and up are the real-time ones. */
export const NSIG = 64;
export const SIGRTMIN = 32;

const DEFAULT_ACTIONS: Record<number, DefaultAction> = {
  [SIG.SIGHUP]: 'term',
  [SIG.SIGINT]: 'term',
  [SIG.SIGQUIT]: 'core',
  [SIG.SIGILL]: 'core',
  [SIG.SIGTRAP]: 'core',
  [SIG.SIGABRT]: 'core',
  [SIG.SIGBUS]: 'core',
  [SIG.SIGFPE]: 'core',
  [SIG.SIGKILL]: 'term',
  [SIG.SIGUSR1]: 'term',
  [SIG.SIGSEGV]: 'core',
  [SIG.SIGUSR2]: 'term',
  [SIG.SIGPIPE]: 'term',
  [SIG.SIGALRM]: 'term',
  [SIG.SIGTERM]: 'term',
  [SIG.SIGSTKFLT]: 'term',
  [SIG.SIGCHLD]: 'ignore',
  [SIG.SIGCONT]: 'continue',
  [SIG.SIGSTOP]: 'stop',
  [SIG.SIGTSTP]: 'stop',
  [SIG.SIGTTIN]: 'stop',
  [SIG.SIGTTOU]: 'stop',
  [SIG.SIGURG]: 'ignore',
  [SIG.SIGXCPU]: 'core',
  [SIG.SIGXFSZ]: 'core',
  [SIG.SIGVTALRM]: 'term',
  [SIG.SIGPROF]: 'term',
  [SIG.SIGWINCH]: 'ignore',
  [SIG.SIGIO]: 'term',
  [SIG.SIGPWR]: 'term',
  [SIG.SIGSYS]: 'core',
};

/** Real-time signals terminate by default. */
export function defaultAction(signal: number): DefaultAction {
  return DEFAULT_ACTIONS[signal] ?? 'term';
}

const NAMES: string[] = [];
for (const [name, value] of Object.entries(SIG)) NAMES[value] = name;

/** `SIGSEGV`, `SIGRTMIN+3`, as strace and the shell print them. */
export function signalName(signal: number): string {
  if (NAMES[signal]) return NAMES[signal];
  if (signal >= SIGRTMIN && signal <= NSIG)
    return signal === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${signal - SIGRTMIN}`;
  return `SIG${signal}`;
}

/** Bit of a signal in a 64-bit sigset_t. */
export function sigmaskBit(signal: number): bigint {
  return 1n << BigInt(signal - 1);
}

/** SIGKILL and SIGSTOP can be neither caught, blocked nor ignored. */
export const UNBLOCKABLE = sigmaskBit(SIG.SIGKILL) | sigmaskBit(SIG.SIGSTOP);
