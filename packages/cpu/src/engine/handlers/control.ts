/** Control transfers: jumps, calls, returns, loops, and the traps that leave the block. */
import type { Instruction, Operand } from '../../decoder/instruction.js';
import { OperandKind } from '../../decoder/instruction.js';
import { type Cpu, stackAddress } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { computeFlags, conditionHolds, RFLAGS } from '../flags.js';
import { define } from './registry.js';

const TWO32 = 4294967296;
const op = (i: Instruction, n: number) => i.operands[n] as Operand;

/** Target of an indirect branch as a linear address (#GP if it is not canonical). */
function indirectTarget(c: Cpu, i: Instruction): number {
  const o = op(i, 0);
  const lo = c.read(i, o, 8);
  const hi = c.hi;
  const top = hi >> 15;
  if (top !== 0 && top !== -1) throw new CpuFault(13, 0);
  return hi * TWO32 + (lo >>> 0);
}

function nextOf(i: Instruction): number {
  return i.address + i.length;
}

define('jmp', {
  branch: true,
  exec(c, i) {
    const o = op(i, 0);
    c.next = o.kind === OperandKind.Rel ? o.target : indirectTarget(c, i);
  },
});

const JCC = [
  'jo',
  'jno',
  'jb',
  'jae',
  'je',
  'jne',
  'jbe',
  'ja',
  'js',
  'jns',
  'jp',
  'jnp',
  'jl',
  'jge',
  'jle',
  'jg',
];
define(JCC, {
  branch: true,
  exec(c, i) {
    c.next = conditionHolds(computeFlags(c.F), i.cc) ? op(i, 0).target : nextOf(i);
  },
});

define('call', {
  branch: true,
  exec(c, i) {
    const o = op(i, 0);
    const target = o.kind === OperandKind.Rel ? o.target : indirectTarget(c, i);
    const ret = nextOf(i);
    c.push64((ret % TWO32) | 0, Math.floor(ret / TWO32) | 0);
    c.next = target;
  },
});

define('ret', {
  branch: true,
  exec(c, i) {
    const sp = stackAddress(c.regLinear(4));
    const lo = c.port.read64(sp);
    const hi = c.port.hi;
    const top = hi >> 15;
    if (top !== 0 && top !== -1) throw new CpuFault(13, 0);
    const extra = i.operands.length > 0 ? op(i, 0).immLo & 0xffff : 0;
    c.setRegLinear(4, sp + 8 + extra);
    c.next = hi * TWO32 + (lo >>> 0);
  },
});

/** The count register for loop/jrcxz: rcx, or ecx with a 67 prefix. */
function countReg(c: Cpu, i: Instruction): number {
  return i.addrSize === 4 ? (c.r[2] as number) >>> 0 : (c.r[2] as number) | (c.r[3] as number);
}

function decrementCount(c: Cpu, i: Instruction): boolean {
  const r = c.r;
  if (i.addrSize === 4) {
    r[2] = ((r[2] as number) - 1) | 0;
    r[3] = 0;
    return r[2] !== 0;
  }
  const lo = r[2] as number;
  r[2] = (lo - 1) | 0;
  if (lo === 0) r[3] = ((r[3] as number) - 1) | 0;
  return r[2] !== 0 || r[3] !== 0;
}

define(['loop', 'loope', 'loopne'], {
  branch: true,
  exec(c, i) {
    const nonzero = decrementCount(c, i);
    let take = nonzero;
    if (i.mnemonic !== 'loop') {
      const zf = (computeFlags(c.F) & RFLAGS.ZF) !== 0;
      take = nonzero && (i.mnemonic === 'loope' ? zf : !zf);
    }
    c.next = take ? op(i, 0).target : nextOf(i);
  },
});

define(['jrcxz', 'jecxz'], {
  branch: true,
  exec(c, i) {
    c.next = countReg(c, i) === 0 ? op(i, 0).target : nextOf(i);
  },
});

define(['ud2', 'ud0', 'ud1'], {
  ends: true,
  exec() {
    throw new CpuFault(6, undefined);
  },
});

export { indirectTarget, nextOf };
