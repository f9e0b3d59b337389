/** Where a command writes, so that tests and other callers can catch it. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** A failure the user can act on: printed as `command: message`, exit status 1. */
export class CommandError extends Error {}

/** Wrong words on the command line: printed with the usage, exit status 2. */
export class UsageError extends Error {}
