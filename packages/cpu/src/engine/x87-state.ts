/** x87 register stack. Values are kept as doubles (the 80-bit format's extra precision is not modelled). */
export interface X87State {
  st: Float64Array;
  top: number;
  control: number;
  status: number;
  /** Tag bits: 1 = empty, per physical register. */
  empty: Uint8Array;
}

export function x87Init(): X87State {
  return { st: new Float64Array(8), top: 0, control: 0x37f, status: 0, empty: new Uint8Array(8).fill(1) };
}
