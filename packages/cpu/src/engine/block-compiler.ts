/**
 * Turns a region of decoded basic blocks into one JavaScript function. A
 * region is the code reachable by direct jumps, calls and conditional jumps
 * from its entry inside one page; control passes between its blocks inside
 * the function (a switch in a loop), so hot loops and if/else chains never
 * return to the run loop. Branches out of the region, returns and indirect
 * jumps return the next rip.
 *
 * Hot instructions are written inline (inline.ts, inline-sse.ts); the rest
 * call their generic implementation with the decoded instruction bound as a
 * constant. Before each instruction that may fault the function records the
 * instruction's index in `cpu.k`. Each finished block adds its length to
 * `cpu.loopCount`, and a jump inside the region leaves once the count reaches
 * `cpu.loopLimit`, so the run loop still sees its budget and stop requests.
 */
import { type Instruction, OperandKind, RegClass } from '../decoder/instruction.js';
import { type Cpu, stackAddress } from './cpu.js';
import { CpuFault } from './fault.js';
import { flagsObserved, readsFlagsOnEntry } from './flag-liveness.js';
import { carryOf, computeFlags, conditionHolds, PARITY } from './flags.js';
import { semanticsOf } from './handlers/registry.js';
import { fusedCondition, type InlineState } from './inline.js';
import { emitInstruction } from './inline-emitters.js';

type Exec = (c: Cpu, i: Instruction) => void;

function undefinedOpcode(): Exec {
  return () => {
    throw new CpuFault(6, undefined);
  };
}

/** How a translated block ends: a conditional or direct jump to known rips, or a rip computed at run time. */
type BlockExit =
  /** `flags`: the block's last flag record, left to the edges that need it (`edge` in compileRegion). */
  | { kind: 'cond'; cond: string; taken: number; fall: number; flags?: string }
  | { kind: 'to'; target: number; flags?: string }
  /** `ret`: the popped rip may be a return site in the region; `site`: an indirect call or jump. */
  | { kind: 'dynamic'; ret?: boolean; site?: number };

interface Translated {
  lines: string[];
  exit: BlockExit;
}

/** Mnemonics that leave the flags alone: a fused producer before them stays usable after them. */
const KEEPS_PRODUCER = new Set([
  'mov',
  'lea',
  'nop',
  'endbr64',
  'push',
  'pop',
  'movzx',
  'movsx',
  'movsxd',
  'not',
]);
const PRODUCERS = new Set(['add', 'sub', 'cmp', 'and', 'or', 'xor', 'test', 'inc', 'dec', 'neg']);

function touchesMemory(insn: Instruction): boolean {
  const m = insn.mnemonic;
  return (
    (m !== 'lea' && m !== 'nop' && insn.operands.some((o) => o.kind === OperandKind.Mem)) ||
    m === 'push' ||
    m === 'pop' ||
    m === 'call' ||
    m === 'ret'
  );
}

/**
 * XMM-only instructions (XMM registers and immediates, no implicit general
 * register): their generic forms read and write no general register.
 */
function touchesNoGpr(insn: Instruction): boolean {
  return (
    insn.operands.some((o) => o.kind === OperandKind.Reg && o.regClass === RegClass.Xmm) &&
    !/^(pcmp[ei]str|maskmov)/.test(insn.mnemonic) &&
    insn.operands.every(
      (o) => o.kind === OperandKind.Imm || (o.kind === OperandKind.Reg && o.regClass === RegClass.Xmm),
    )
  );
}

/** One basic block; `base` is the region-wide index of its first instruction. */
function translateBlock(
  insns: Instruction[],
  base: number,
  calls: Exec[],
  local: (h: string) => string,
): Translated {
  const lines: string[] = [];
  const observed = flagsObserved(insns);
  const state: InlineState = {
    producer: null,
    k: 0,
    flagStore: '',
    flagsObserved: true,
    local,
    generic() {
      const insn = insns[this.k - base] as Instruction;
      calls.push((semanticsOf(insn) as { exec: Exec }).exec);
      return `c.k = ${this.k}; ${touchesNoGpr(insn) ? 'x' : 'h'}[${calls.length - 1}](c, I[${this.k}]);`;
    },
  };
  let exit: BlockExit = { kind: 'dynamic' };
  // Index in `lines` of the last flag record while nothing after it can observe it, else -1.
  let pending = -1;
  insns.forEach((insn, n) => {
    const k = base + n;
    state.k = k;
    state.flagsObserved = observed[n] as boolean;
    const s = semanticsOf(insn);
    const last = n === insns.length - 1;
    const m = insn.mnemonic;
    let inline: string | null = null;
    let branch: BlockExit | null = null;
    if (!insn.invalid) {
      if (insn.cc >= 0 && m.startsWith('j') && insn.operands[0]?.kind === OperandKind.Rel) {
        const cond =
          (state.producer && fusedCondition(insn.cc, state.producer)) ?? `cond(computeFlags(F), ${insn.cc})`;
        branch = { kind: 'cond', cond, taken: insn.operands[0].target, fall: insn.address + insn.length };
        inline = '';
      } else if (m === 'jmp' && insn.operands[0]?.kind === OperandKind.Rel) {
        branch = { kind: 'to', target: insn.operands[0].target };
        inline = '';
      } else {
        inline = emitInstruction(insn, state);
        if (inline !== null && m === 'call' && insn.operands[0]?.kind === OperandKind.Rel)
          branch = { kind: 'to', target: insn.operands[0].target };
      }
    }
    if (inline !== null) {
      const before = lines.length;
      if (touchesMemory(insn) || /\b(gp|ss)\(|\bm\./.test(inline)) lines.push(`c.k = ${k};`);
      lines.push(inline);
      // Flags can be observed after their record only by a fault, a reader or a generic call.
      if (!(lines.length === before + 1 && (KEEPS_PRODUCER.has(m) || branch))) pending = -1;
      if (state.flagStore !== '' && state.flagsObserved) {
        lines.push(state.flagStore);
        pending = lines.length - 1;
      }
      state.flagStore = '';
      if (!PRODUCERS.has(m) && !KEEPS_PRODUCER.has(m) && !m.startsWith('j')) state.producer = null;
    } else {
      const exec = s && !insn.invalid ? s.exec : undefinedOpcode();
      calls.push(exec);
      // A call that touches no general register needs no register sync around it (marked `x`).
      const call = touchesNoGpr(insn) ? 'x' : 'h';
      lines.push(`c.k = ${k}; ${call}[${calls.length - 1}](c, I[${k}]);`);
      state.producer = null;
      pending = -1;
    }
    if (last) {
      if (branch) exit = branch;
      else if (inline?.includes('c.next =') && m === 'ret') exit = { kind: 'dynamic', ret: true };
      else if (inline?.includes('c.next =')) exit = { kind: 'dynamic', site: insn.address };
      else if (s?.branch && !insn.invalid) exit = { kind: 'dynamic' };
      else exit = { kind: 'to', target: insn.address + insn.length };
    }
  });
  // A branch that tests a fused condition reads locals, not the record.
  const e = exit as BlockExit;
  if (pending >= 0 && e.kind !== 'dynamic' && !(e.kind === 'cond' && e.cond.includes('computeFlags'))) {
    e.flags = lines[pending] as string;
    lines.splice(pending, 1);
  }
  return { lines, exit: e };
}

/**
 * Keeps the guest registers the region uses in JavaScript locals (`R0`..`R31`
 * for the 32-bit halves), so the optimiser can hold them in host registers.
 * `r` is brought up to date before every return and generic call (and read
 * back after one), and on an exception thrown by the region's own code, so a
 * fault sees exact registers. An exception from inside a generic call keeps
 * the registers that call left (a rep string op stopped part way).
 */
function cacheRegisters(body: string): string {
  const used = new Set<number>();
  for (const m of body.matchAll(/\br\[(\d+)\]/g)) used.add(Number(m[1]));
  if (used.size === 0) return body.replace(/\bx\[(\d+)\]\(c, I\[(\d+)\]\);/g, 'h[$1](c, I[$2]);');
  const halves = [...used].sort((a, b) => a - b);
  // Only the halves the region assigns can differ from `r`.
  const written = new Set<number>();
  for (const m of body.matchAll(/\br\[(\d+)\]\s*(?:[-+*/%&|^]|<<|>>>?)?=(?!=)/g)) written.add(Number(m[1]));
  const sync = halves
    .filter((n) => written.has(n))
    .map((n) => `r[${n}] = R${n};`)
    .join(' ');
  const reload = halves.map((n) => `R${n} = r[${n}];`).join(' ');
  const cached = body
    .replace(/\br\[(\d+)\]/g, 'R$1')
    .replace(/return ([^;]+);/g, '{ exitRip = $1; break exit; }')
    .replace(
      /h\[(\d+)\]\(c, I\[(\d+)\]\);/g,
      `${sync} inCall = true; h[$1](c, I[$2]); inCall = false; ${reload}`,
    )
    .replace(/\bx\[(\d+)\]\(c, I\[(\d+)\]\);/g, 'h[$1](c, I[$2]);');
  // Every exit goes through one place, so the region's size does not grow with its exits.
  return `let ${halves.map((n) => `R${n} = r[${n}]`).join(', ')};
let inCall = false;
let exitRip = 0;
try {
exit: {
${cached}
}
} catch (e) {
  if (!inCall) { ${sync} }
  throw e;
}
${sync}
return exitRip;`;
}

/** Byte, double and signed-word views of each CPU's XMM file, made once rather than per region. */
const xmmViews = new WeakMap<Cpu, [Uint8Array, Float64Array, Int16Array]>();

function xmmViewsOf(cpu: Cpu): [Uint8Array, Float64Array, Int16Array] {
  let v = xmmViews.get(cpu);
  if (!v) {
    const { buffer, byteOffset, byteLength } = cpu.xmm;
    v = [
      new Uint8Array(buffer, byteOffset, byteLength),
      new Float64Array(buffer, byteOffset, byteLength / 8),
      new Int16Array(buffer, byteOffset, byteLength / 2),
    ];
    xmmViews.set(cpu, v);
  }
  return v;
}

/** Source size above which the optimising compiler may refuse a function or take too long over it. */
const MAX_REGION_SOURCE = 24_000;

/**
 * Compiles blocks[0] (the entry) and the blocks it reaches; every block is a
 * list of decoded instructions. Returns null when the region would be too big
 * (the caller drops blocks from the end and tries again).
 */
export function compileRegion(
  cpu: Cpu,
  blocks: Instruction[][],
  predicted: ReadonlyMap<number, readonly number[]> = new Map(),
): ((entry: number) => number) | null {
  const calls: Exec[] = [];
  const all: Instruction[] = blocks.flat();
  let locals = 0;
  const local = (hint: string) => `${hint}${locals++}`;
  const index = new Map<number, number>();
  blocks.forEach((b, j) => {
    if (b[0]) index.set(b[0].address, j);
  });
  const single = blocks.length === 1;
  let internal = false;
  const go = (j: number): string => {
    internal = true;
    return single ? 'continue;' : `b = ${j}; continue;`;
  };
  // Blocks through which the flags on entry can be observed.
  const readsOnEntry = blocks.map((b) => readsFlagsOnEntry(b));
  /**
   * Control passes to `target`. `flags` is a flag record the block left to its
   * edges: written on the way out of the region and into a block that may read
   * it, skipped into one that overwrites the flags first (the back edge of most loops).
   */
  const edge = (target: number, flags = ''): string => {
    const j = index.get(target);
    if (j === undefined) return `${flags} return ${target};`;
    if (flags === '' || readsOnEntry[j])
      return `${flags} if (c.loopCount >= c.loopLimit) return ${target}; ${go(j)}`;
    return `if (c.loopCount >= c.loopLimit) { ${flags} return ${target}; } ${go(j)}`;
  };
  // Where a `ret` may land without leaving: the return sites of the region's calls.
  const returnSites = all
    .filter((i) => i.mnemonic === 'call' && index.has(i.address + i.length))
    .map((i) => i.address + i.length);
  /**
   * A rip known only at run time: continue inside the region when it is one of
   * the expected targets, else leave (an indirect site records its rip in
   * `c.site`, so the block cache learns its target for the next translation).
   */
  const dynamic = (e: Extract<BlockExit, { kind: 'dynamic' }>): string => {
    const expected = e.site === undefined ? [] : (predicted.get(e.site) ?? []);
    const targets = e.ret ? returnSites : expected.filter((t) => index.has(t));
    const record = e.site === undefined ? '' : `c.site = ${e.site}; `;
    if (targets.length === 0) return `${record}return c.next;`;
    const cases = [...new Set(targets)].map((t) => `case ${t}: ${go(index.get(t) as number)}`).join(' ');
    return `if (c.loopCount < c.loopLimit) switch (c.next) { ${cases} } ${record}return c.next;`;
  };
  const cases: string[] = [];
  let base = 0;
  blocks.forEach((insns, j) => {
    const t = translateBlock(insns, base, calls, local);
    base += insns.length;
    const e = t.exit;
    const tail =
      e.kind === 'cond'
        ? `if (${e.cond}) { c.loopCount += ${insns.length}; ${edge(e.taken, e.flags)} } c.loopCount += ${insns.length}; ${edge(e.fall, e.flags)}`
        : e.kind === 'to'
          ? `c.loopCount += ${insns.length}; ${edge(e.target, e.flags)}`
          : `c.loopCount += ${insns.length}; ${dynamic(e)}`;
    const body = `${t.lines.join('\n')}\n${tail}`;
    cases.push(single ? body : `case ${j}: {\n${body}\n}`);
  });
  // Named after the entry rip, so profiles and stack traces say which guest code ran.
  const name = `x86_${(blocks[0]?.[0]?.address ?? 0).toString(16).replace('-', 'm')}`;
  let loop: string;
  if (single && !internal) loop = cases[0] as string;
  else if (single) loop = `for (;;) {\n${cases[0]}\n}`;
  else loop = `let b = entry;\nfor (;;) {\n switch (b) {\n${cases.join('\n')}\n }\n}`;
  const text = `return function ${name}(entry) {\n${cacheRegisters(loop)}\n};`;
  if (text.length > MAX_REGION_SOURCE && blocks.length > 1) return null;
  const factory = new Function(
    'c',
    'h',
    'I',
    'r',
    'm',
    'F',
    'cond',
    'computeFlags',
    'gp',
    'carryOf',
    'ss',
    'P',
    'X',
    'XB',
    'XF',
    'XH',
    'RT',
    'RB',
    'WT',
    'WB',
    'DV',
    text,
  ) as (
    c: Cpu,
    h: Exec[],
    I: Instruction[],
    r: Int32Array,
    m: Cpu['port'],
    F: Int32Array,
    cond: typeof conditionHolds,
    cf: typeof computeFlags,
    gp: () => never,
    carry: typeof carryOf,
    ss: typeof stackAddress,
    P: Uint8Array,
    X: Int32Array,
    XB: Uint8Array,
    XF: Float64Array,
    XH: Int16Array,
    RT: Float64Array,
    RB: Float64Array,
    WT: Float64Array,
    WB: Float64Array,
    DV: DataView,
  ) => (entry: number) => number;
  const gp = (): never => {
    throw new CpuFault(13, 0);
  };
  return factory(
    cpu,
    calls,
    all,
    cpu.r,
    cpu.port,
    cpu.F,
    conditionHolds,
    computeFlags,
    gp,
    carryOf,
    stackAddress,
    PARITY,
    cpu.xmm,
    ...xmmViewsOf(cpu),
    cpu.port.readTag,
    cpu.port.readBase,
    cpu.port.writeTag,
    cpu.port.writeBase,
    cpu.port.view,
  );
}
