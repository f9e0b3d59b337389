/**
 * The one-byte opcode map (Intel SDM vol. 2, appendix A.3, table A-2), for
 * 64-bit mode and for 32-bit (compatibility or protected) mode, in the manual's
 * operand notation: E = ModRM r/m, G = ModRM reg, I = immediate, J = relative
 * offset, Z = register in the low opcode bits, O = moffs, S = segment register,
 * A = far pointer (ptr16:16/32); sizes b/w/d/q, v (16/32/64 by prefixes),
 * z (16/32), y (32/64), n (the mode's natural width: 8 in 64-bit mode, 4 in
 * 32-bit mode), p (far pointer m16:16/32/64), a (bound's pair of v).
 * `Ibs` is an immediate byte sign-extended to the operand size.
 * Suffixes: d64 = operand size defaults to 64 bits in 64-bit mode, f64 = forced
 * to 64 bits there.
 * A string is one instruction; an array of 8 is a group selected by ModRM.reg;
 * an object picks by ModRM.mod (mem / reg) where the two differ, or by the
 * mandatory prefix (none, 66, F3, F2).
 */
export type MapEntry =
  | string
  | null
  | readonly MapEntry[]
  | { readonly mem: MapEntry; readonly reg: MapEntry }
  | { readonly prefixed: readonly [MapEntry, MapEntry, MapEntry, MapEntry] };

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const SHIFT = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
export const CONDITIONS = [
  'o',
  'no',
  'b',
  'ae',
  'e',
  'ne',
  'be',
  'a',
  's',
  'ns',
  'p',
  'np',
  'l',
  'ge',
  'le',
  'g',
];

function aluRow(op: string): string[] {
  return [`${op} Eb,Gb`, `${op} Ev,Gv`, `${op} Gb,Eb`, `${op} Gv,Ev`, `${op} AL,Ib`, `${op} rAX,Iz`];
}

function build64(): MapEntry[] {
  const m: MapEntry[] = new Array(256).fill(null);
  ALU.forEach((op, i) => {
    aluRow(op).forEach((e, j) => {
      m[i * 8 + j] = e;
    });
  });
  for (let i = 0; i < 8; i++) {
    m[0x50 + i] = 'push Zv d64';
    m[0x58 + i] = 'pop Zv d64';
    if (i > 0) m[0x90 + i] = 'xchg Zv,rAX';
    m[0xb0 + i] = 'mov Zb,Ib';
    m[0xb8 + i] = 'mov Zv,Iv';
  }
  m[0x63] = 'movsxd Gv,Ez';
  m[0x68] = 'push Iz d64';
  m[0x69] = 'imul Gv,Ev,Iz';
  m[0x6a] = 'push Ibs d64';
  m[0x6b] = 'imul Gv,Ev,Ibs';
  m[0x6c] = 'insb';
  m[0x6d] = 'ins';
  m[0x6e] = 'outsb';
  m[0x6f] = 'outs';
  CONDITIONS.forEach((cc, i) => {
    m[0x70 + i] = `j${cc} Jb f64`;
  });
  m[0x80] = ALU.map((op) => `${op} Eb,Ib`);
  m[0x81] = ALU.map((op) => `${op} Ev,Iz`);
  m[0x83] = ALU.map((op) => `${op} Ev,Ibs`);
  m[0x84] = 'test Eb,Gb';
  m[0x85] = 'test Ev,Gv';
  m[0x86] = 'xchg Eb,Gb';
  m[0x87] = 'xchg Ev,Gv';
  m[0x88] = 'mov Eb,Gb';
  m[0x89] = 'mov Ev,Gv';
  m[0x8a] = 'mov Gb,Eb';
  m[0x8b] = 'mov Gv,Ev';
  m[0x8c] = 'mov Rv/Mw,Sw';
  m[0x8d] = { mem: 'lea Gv,M', reg: null };
  m[0x8e] = 'mov Sw,Rv/Mw';
  m[0x8f] = ['pop Ev d64', null, null, null, null, null, null, null];
  m[0x90] = 'nop'; // 90 with REX.B is xchg r8,rAX; F3 90 is pause (decode.ts)
  m[0x98] = 'cbw';
  m[0x99] = 'cwd';
  m[0x9b] = 'wait';
  m[0x9c] = 'pushf d64';
  m[0x9d] = 'popf d64';
  m[0x9e] = 'sahf';
  m[0x9f] = 'lahf';
  m[0xa0] = 'mov AL,Ob';
  m[0xa1] = 'mov rAX,Ov';
  m[0xa2] = 'mov Ob,AL';
  m[0xa3] = 'mov Ov,rAX';
  m[0xa4] = 'movsb';
  m[0xa5] = 'movs';
  m[0xa6] = 'cmpsb';
  m[0xa7] = 'cmps';
  m[0xa8] = 'test AL,Ib';
  m[0xa9] = 'test rAX,Iz';
  m[0xaa] = 'stosb';
  m[0xab] = 'stos';
  m[0xac] = 'lodsb';
  m[0xad] = 'lods';
  m[0xae] = 'scasb';
  m[0xaf] = 'scas';
  m[0xc0] = SHIFT.map((op) => `${op} Eb,Ib`);
  m[0xc1] = SHIFT.map((op) => `${op} Ev,Ib`);
  m[0xc2] = 'ret Iw f64';
  m[0xc3] = 'ret f64';
  m[0xc6] = ['mov Eb,Ib', null, null, null, null, null, null, null]; // C6 F8 is xabort (decode.ts)
  m[0xc7] = ['mov Ev,Iz', null, null, null, null, null, null, null]; // C7 F8 is xbegin (decode.ts)
  m[0xc8] = 'enter Iw,Ib d64';
  m[0xc9] = 'leave d64';
  m[0xca] = 'retf Iw';
  m[0xcb] = 'retf';
  m[0xcc] = 'int3';
  m[0xcd] = 'int Ib';
  m[0xcf] = 'iret';
  m[0xd0] = SHIFT.map((op) => `${op} Eb,1`);
  m[0xd1] = SHIFT.map((op) => `${op} Ev,1`);
  m[0xd2] = SHIFT.map((op) => `${op} Eb,CL`);
  m[0xd3] = SHIFT.map((op) => `${op} Ev,CL`);
  m[0xd7] = 'xlatb';
  m[0xe0] = 'loopne Jb f64';
  m[0xe1] = 'loope Jb f64';
  m[0xe2] = 'loop Jb f64';
  m[0xe3] = 'jrcxz Jb f64';
  m[0xe4] = 'in AL,Ib';
  m[0xe5] = 'in eAX,Ib';
  m[0xe6] = 'out Ib,AL';
  m[0xe7] = 'out Ib,eAX';
  m[0xe8] = 'call Jz f64';
  m[0xe9] = 'jmp Jz f64';
  m[0xeb] = 'jmp Jb f64';
  m[0xec] = 'in AL,DX';
  m[0xed] = 'in eAX,DX';
  m[0xee] = 'out DX,AL';
  m[0xef] = 'out DX,eAX';
  m[0xf1] = 'int1';
  m[0xf4] = 'hlt';
  m[0xf5] = 'cmc';
  m[0xf6] = ['test Eb,Ib', 'test Eb,Ib', 'not Eb', 'neg Eb', 'mul Eb', 'imul Eb', 'div Eb', 'idiv Eb'];
  m[0xf7] = ['test Ev,Iz', 'test Ev,Iz', 'not Ev', 'neg Ev', 'mul Ev', 'imul Ev', 'div Ev', 'idiv Ev'];
  m[0xf8] = 'clc';
  m[0xf9] = 'stc';
  m[0xfa] = 'cli';
  m[0xfb] = 'sti';
  m[0xfc] = 'cld';
  m[0xfd] = 'std';
  m[0xfe] = ['inc Eb', 'dec Eb', null, null, null, null, null, null];
  m[0xff] = [
    'inc Ev',
    'dec Ev',
    'call Ev f64',
    { mem: 'call Mp', reg: null },
    'jmp Ev f64',
    { mem: 'jmp Mp', reg: null },
    'push Ev d64',
    null,
  ];
  return m;
}

/** The 32-bit mode map: no REX (40-4F are inc/dec), and the opcodes 64-bit mode dropped. */
function build32(): MapEntry[] {
  const m = build64();
  const segs = ['ES', 'CS', 'SS', 'DS'];
  segs.forEach((s, i) => {
    m[0x06 + i * 8] = `push ${s}`;
    if (s !== 'CS') m[0x07 + i * 8] = `pop ${s}`;
  });
  m[0x27] = 'daa';
  m[0x2f] = 'das';
  m[0x37] = 'aaa';
  m[0x3f] = 'aas';
  for (let i = 0; i < 8; i++) {
    m[0x40 + i] = 'inc Zv';
    m[0x48 + i] = 'dec Zv';
  }
  m[0x60] = 'pusha';
  m[0x61] = 'popa';
  m[0x62] = { mem: 'bound Gv,Ma', reg: null };
  m[0x63] = 'arpl Rv/Mw,Gv';
  m[0x82] = ALU.map((op) => `${op} Eb,Ib`);
  m[0x9a] = 'call Ap';
  m[0xc4] = { mem: 'les Gv,Mp', reg: null };
  m[0xc5] = { mem: 'lds Gv,Mp', reg: null };
  m[0xce] = 'into';
  m[0xd4] = 'aam Ib';
  m[0xd5] = 'aad Ib';
  m[0xd6] = 'salc';
  m[0xea] = 'jmp Ap';
  return m;
}

export const ONE_BYTE_MAP: readonly MapEntry[] = build64();
export const ONE_BYTE_MAP_32: readonly MapEntry[] = build32();

/** Instructions that accept a LOCK prefix when their destination is memory (SDM vol. 2, LOCK). */
export const LOCKABLE: ReadonlySet<string> = new Set([
  'add',
  'or',
  'adc',
  'sbb',
  'and',
  'sub',
  'xor',
  'not',
  'neg',
  'inc',
  'dec',
  'xchg',
  'xadd',
  'cmpxchg',
  'cmpxchg8b',
  'cmpxchg16b',
  'bts',
  'btr',
  'btc',
]);
