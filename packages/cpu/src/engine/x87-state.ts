/** x87 register stack: eight 80-bit registers (software extended precision, f80.ts), TOP, control, status, tags. */
import { type F80, F80_ZERO } from './f80.js';

export interface X87State {
  /** Physical registers; ST(i) is st[(top + i) & 7]. */
  st: F80[];
  top: number;
  control: number;
  status: number;
  /** Tag bits: 1 = empty, per physical register. */
  empty: Uint8Array;
}

export function x87Init(): X87State {
  return {
    st: new Array<F80>(8).fill(F80_ZERO),
    top: 0,
    control: 0x37f,
    status: 0,
    empty: new Uint8Array(8).fill(1),
  };
}
