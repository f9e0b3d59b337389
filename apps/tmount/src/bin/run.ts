/** What every command entry does: run, print errors in the command's voice, set the exit status. */
import { isFsError } from '@x/fsimage';
import { isLofiError } from '@x/lofi';
import { UnknownFsTypeError } from '../fstypes.js';
import { FuseMountError, FuseUnavailableError } from '../fuse/index.js';
import { CommandError, type CommandIo, processIo, UsageError } from '../io.js';
import { MountOptionError } from '../mount-options.js';
import { SpecialError } from '../special.js';

export function runCommand(
  name: string,
  usage: string,
  main: (argv: string[], io: CommandIo) => Promise<number>,
): void {
  const io = processIo;
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith?.('ERR_PARSE_ARGS')) {
        io.err(`${name}: ${(e as Error).message}\n${usage}`);
        process.exitCode = 2;
      } else if (isFsError(e)) {
        io.err(`${name}: ${e.describe()}\n`);
        process.exitCode = 1;
      } else if (
        e instanceof CommandError ||
        e instanceof MountOptionError ||
        e instanceof UnknownFsTypeError ||
        e instanceof SpecialError ||
        e instanceof FuseMountError ||
        e instanceof FuseUnavailableError ||
        isLofiError(e)
      ) {
        io.err(`${name}: ${(e as Error).message}\n`);
        process.exitCode = 1;
      } else {
        io.err(`${name}: internal error: ${(e as Error).stack ?? String(e)}\n`);
        process.exitCode = 70;
      }
    },
  );
}
