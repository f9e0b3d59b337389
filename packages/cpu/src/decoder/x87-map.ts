/**
 * The x87 escape opcodes D8-DF (SDM vol. 2, table ). With a memory
 * operand the instruction is chosen by ModRM.reg; with a register operand by
 * ModRM.reg and, for the rows of single instructions, by the whole byte.
 * Md/Mq/Mw/Mt are 4/8/2/10-byte memory, STi is ST(rm), ST0 is ST(0).
 */
type Row = readonly (string | null)[];

const ARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'];
const IARITH = ['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'];

export const X87_MEM: readonly Row[] = [
  ARITH.map((o) => `${o} Md`),
  ['fld Md', null, 'fst Md', 'fstp Md', 'fldenv Me', 'fldcw Mw', 'fnstenv Me', 'fnstcw Mw'],
  IARITH.map((o) => `${o} Md`),
  ['fild Md', 'fisttp Md', 'fist Md', 'fistp Md', null, 'fld Mt', null, 'fstp Mt'],
  ARITH.map((o) => `${o} Mq`),
  ['fld Mq', 'fisttp Mq', 'fst Mq', 'fstp Mq', 'frstor Ms', null, 'fnsave Ms', 'fnstsw Mw'],
  IARITH.map((o) => `${o} Mw`),
  ['fild Mw', 'fisttp Mw', 'fist Mw', 'fistp Mw', 'fbld Mt', 'fild Mq', 'fbstp Mt', 'fistp Mq'],
];

/** Register forms by escape byte and ModRM.reg; a null here defers to X87_SINGLE. */
export const X87_REG: readonly Row[] = [
  [
    'fadd ST0,STi',
    'fmul ST0,STi',
    'fcom ST0,STi',
    'fcomp ST0,STi',
    'fsub ST0,STi',
    'fsubr ST0,STi',
    'fdiv ST0,STi',
    'fdivr ST0,STi',
  ],
  ['fld STi', 'fxch ST0,STi', null, 'fstpnce STi', null, null, null, null],
  ['fcmovb ST0,STi', 'fcmove ST0,STi', 'fcmovbe ST0,STi', 'fcmovu ST0,STi', null, null, null, null],
  [
    'fcmovnb ST0,STi',
    'fcmovne ST0,STi',
    'fcmovnbe ST0,STi',
    'fcmovnu ST0,STi',
    null,
    'fucomi ST0,STi',
    'fcomi ST0,STi',
    null,
  ],
  // DC D0-DF, DD C8-CF, DE D0-D7, DF C0-DF are the undocumented aliases (ffreep, fcom, fcomp, fxch, fstp).
  [
    'fadd STi,ST0',
    'fmul STi,ST0',
    'fcom ST0,STi',
    'fcomp ST0,STi',
    'fsubr STi,ST0',
    'fsub STi,ST0',
    'fdivr STi,ST0',
    'fdiv STi,ST0',
  ],
  ['ffree STi', 'fxch ST0,STi', 'fst STi', 'fstp STi', 'fucom ST0,STi', 'fucomp ST0,STi', null, null],
  [
    'faddp STi,ST0',
    'fmulp STi,ST0',
    'fcomp ST0,STi',
    null,
    'fsubrp STi,ST0',
    'fsubp STi,ST0',
    'fdivrp STi,ST0',
    'fdivp STi,ST0',
  ],
  ['ffreep STi', 'fxch ST0,STi', 'fstp STi', 'fstp STi', null, 'fucomip ST0,STi', 'fcomip ST0,STi', null],
];

/** Whole-byte register forms: escape byte → ModRM → instruction. */
export const X87_SINGLE: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  217: {
    208: 'fnop',
    224: 'fchs',
    225: 'fabs',
    228: 'ftst',
    229: 'fxam',
    232: 'fld1',
    233: 'fldl2t',
    234: 'fldl2e',
    235: 'fldpi',
    236: 'fldlg2',
    237: 'fldln2',
    238: 'fldz',
    240: 'f2xm1',
    241: 'fyl2x',
    242: 'fptan',
    243: 'fpatan',
    244: 'fxtract',
    245: 'fprem1',
    246: 'fdecstp',
    247: 'fincstp',
    248: 'fprem',
    249: 'fyl2xp1',
    250: 'fsqrt',
    251: 'fsincos',
    252: 'frndint',
    253: 'fscale',
    254: 'fsin',
    255: 'fcos',
  },
  218: { 233: 'fucompp' },
  219: { 224: 'fneni', 225: 'fndisi', 226: 'fnclex', 227: 'fninit', 228: 'fnsetpm' },
  222: { 217: 'fcompp' },
  223: { 224: 'fnstsw AX' },
};
