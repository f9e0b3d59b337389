/**
 * Exception and interrupt delivery: first to the hook (the x86-run Linux layer,
 * later the hypervisor), else through the 64-bit IDT as hardware does it
 * (SDM vol. 3, 6.14): gate lookup, stack switch on a privilege change (TSS
 * RSP0 or an IST entry), the frame SS, RSP, RFLAGS, CS, RIP [, error code], and
 * IF cleared for interrupt gates. A fault while delivering a contributory
 * fault is a double fault; a fault while delivering a double fault is a triple
 * fault, which stops the machine.
 */
import type { Cpu } from './cpu.js';
import { CpuFault } from './fault.js';
import { RFLAGS } from './flags.js';

export class TripleFault extends Error {
  constructor(readonly vector: number) {
    super(`triple fault while delivering vector ${vector}`);
  }
}

const TWO32 = 4294967296;
const CONTRIBUTORY = new Set([0, 10, 11, 12, 13]);

function u64(c: Cpu, a: number): number {
  const lo = c.port.read64(a);
  return (c.port.hi >>> 0) * TWO32 + (lo >>> 0);
}

/** Deliver an exception raised by an instruction (rip already at the right instruction). */
export function deliverException(
  c: Cpu,
  vector: number,
  errorCode: number | undefined,
  address: number,
): void {
  if (vector === 14) c.cr2 = address;
  if (c.hooks.exception?.(c, vector, errorCode, address)) return;
  deliverThroughIdt(c, vector, errorCode, false, 0);
}

/** Deliver through the IDT; `software` for int n / int3 (gate DPL checked). */
export function deliverThroughIdt(
  c: Cpu,
  vector: number,
  errorCode: number | undefined,
  software: boolean,
  depth: number,
): void {
  try {
    pushFrame(c, vector, errorCode, software);
  } catch (e) {
    if (!(e instanceof CpuFault)) throw e;
    if (depth >= 1 || vector === 8) throw new TripleFault(vector);
    const benign = !CONTRIBUTORY.has(e.vector) && e.vector !== 14;
    if (benign) deliverThroughIdt(c, e.vector, e.errorCode, false, depth + 1);
    else deliverThroughIdt(c, 8, 0, false, depth + 1);
  }
}

function pushFrame(c: Cpu, vector: number, errorCode: number | undefined, software: boolean): void {
  const idt = c.idtr;
  if (vector * 16 + 15 > idt.limit) throw new CpuFault(13, vector * 8 + 2);
  // Descriptor-table reads are implicit supervisor accesses.
  const saved = c.cpl;
  c.setCpl(0);
  let lo: number;
  let hi: number;
  let high: number;
  try {
    const g = idt.base + vector * 16;
    lo = c.port.read32(g);
    hi = c.port.read32(g + 4);
    high = c.port.read32(g + 8);
  } finally {
    c.setCpl(saved);
  }
  const present = (hi >> 15) & 1;
  const dpl = (hi >> 13) & 3;
  const type = (hi >> 8) & 15;
  if (software && dpl < c.cpl) throw new CpuFault(13, vector * 8 + 2);
  if (!present) throw new CpuFault(11, vector * 8 + 2);
  if (type !== 0xe && type !== 0xf) throw new CpuFault(13, vector * 8 + 2);
  const selector = (lo >>> 16) & 0xffff;
  const offset = (high | 0) * TWO32 + (((hi & 0xffff0000) | (lo & 0xffff)) >>> 0);
  const ist = hi & 7;
  const newCpl = selector & 3;
  const oldCpl = c.cpl;
  const oldSs = c.seg[2] as number;
  const oldRsp = c.regLinear(4);
  const flags = c.getRflags();
  let rsp = oldRsp;
  c.setCpl(0);
  try {
    if (ist !== 0 || newCpl < oldCpl) {
      const tss = c.tssBase;
      rsp = ist !== 0 ? u64(c, tss + 0x24 + (ist - 1) * 8) : u64(c, tss + 4 + newCpl * 8);
      if (rsp >= 2 ** 63) rsp -= 2 ** 64;
    }
    rsp -= rsp % 16 === 0 ? 0 : ((rsp % 16) + 16) % 16;
    const words = [oldSs, oldRsp, flags, c.seg[1] as number, c.rip];
    if (errorCode !== undefined) words.push(errorCode);
    for (const w of words) {
      rsp -= 8;
      c.port.write64(rsp, (w % TWO32) | 0, Math.floor(w / TWO32) | 0);
    }
  } catch (e) {
    c.setCpl(oldCpl);
    throw e;
  }
  c.setRegLinear(4, rsp);
  c.seg[1] = selector;
  if (newCpl < oldCpl) c.seg[2] = newCpl;
  let newFlags = flags & ~(RFLAGS.TF | RFLAGS.NT | RFLAGS.RF | RFLAGS.VM);
  if (type === 0xe) newFlags &= ~RFLAGS.IF;
  c.setRflags(newFlags);
  c.setCpl(newCpl);
  c.rip = offset;
}
