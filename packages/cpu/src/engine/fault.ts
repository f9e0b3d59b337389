/** An exception raised while executing an instruction: unwinds to the run loop, which delivers it. */
export class CpuFault {
  constructor(
    readonly vector: number,
    readonly errorCode: number | undefined,
    /** CR2 for #PF, else 0. */
    readonly address = 0,
  ) {}
}

export function gp(errorCode = 0): CpuFault {
  return new CpuFault(13, errorCode);
}

export function ud(): CpuFault {
  return new CpuFault(6, undefined);
}

/**
 * A store is about to modify instructions of the block that is running, after
 * the current one. The instruction is abandoned before its first store and
 * restarted alone, so what follows it is translated from the new bytes.
 */
export class CodeModified {}
