/**
 * The two-byte (0F xx) opcode map in 64-bit mode (SDM vol. 2, table A-3) and the
 * SSE forms chosen by a mandatory prefix. A string with ` | ` lists the forms for
 * no prefix, 66, F3 and F2, in that order ("-" where that prefix has none).
 * Operand notation as in one-byte-map.ts, plus V = XMM in ModRM.reg, W = XMM or
 * memory in ModRM.r/m, U = XMM in r/m (register only); x = 16 bytes,
 * ss/sd = 4/8-byte scalar, q = 8 bytes, d = 4 bytes. MMX forms (no prefix on the
 * 60-7F and D0-FF rows) decode as Pq/Qq/Nq.
 */
import { CONDITIONS, type MapEntry } from './one-byte-map.js';

function sse(forms: string): MapEntry {
  const parts = forms.split(' | ').map((f) => (f === '-' ? null : f));
  while (parts.length < 4) parts.push(null);
  return { prefixed: [parts[0] ?? null, parts[1] ?? null, parts[2] ?? null, parts[3] ?? null] };
}

/** Packed integer rows whose no-prefix form is MMX and 66 form is SSE2. */
function mmxSse(op: string, args = 'x'): MapEntry {
  const mmxArgs = args === 'x' ? 'Pq,Qq' : args.replace(/V/g, 'P').replace(/W/g, 'Q').replace(/U/g, 'N');
  const xmmArgs = args === 'x' ? 'Vx,Wx' : args;
  return sse(`${op} ${mmxArgs} | ${op} ${xmmArgs}`);
}

function build(): MapEntry[] {
  const m: MapEntry[] = new Array(256).fill(null);
  m[0x00] = ['sldt Rv/Mw', 'str Rv/Mw', 'lldt Rv/Mw', 'ltr Rv/Mw', 'verr Rv/Mw', 'verw Rv/Mw', null, null];
  m[0x01] = {
    mem: [
      'sgdt Mf',
      'sidt Mf',
      'lgdt Mf',
      'lidt Mf',
      'smsw Mw',
      sse('- | - | rstorssp Mq'),
      'lmsw Mw',
      'invlpg M',
    ],
    reg: null, // chosen by the whole ModRM byte: GROUP7_REG
  };
  m[0x02] = 'lar Gv,Rv/Mw';
  m[0x03] = 'lsl Gv,Rv/Mw';
  m[0x05] = 'syscall';
  m[0x06] = 'clts';
  m[0x07] = 'sysret';
  m[0x08] = 'invd';
  m[0x09] = sse('wbinvd | wbinvd | wbnoinvd | wbinvd');
  m[0x0b] = 'ud2';
  m[0x0d] = {
    mem: [
      'prefetch Mb',
      'prefetchw Mb',
      'prefetchwt1 Mb',
      'prefetchw Mb',
      'prefetch Mb',
      'prefetch Mb',
      'prefetch Mb',
      'prefetch Mb',
    ],
    reg: 'nop Ev,Gv',
  };
  m[0x0e] = 'femms';
  m[0x10] = sse('movups Vx,Wx | movupd Vx,Wx | movss Vx,Wss | movsd Vx,Wsd');
  m[0x11] = sse('movups Wx,Vx | movupd Wx,Vx | movss Wss,Vx | movsd Wsd,Vx');
  m[0x12] = {
    mem: sse('movlps Vx,Mq | movlpd Vx,Mq | movsldup Vx,Wx | movddup Vx,Wsd'),
    reg: sse('movhlps Vx,Ux | - | movsldup Vx,Wx | movddup Vx,Wsd'),
  };
  m[0x13] = { mem: sse('movlps Mq,Vx | movlpd Mq,Vx'), reg: null };
  m[0x14] = sse('unpcklps Vx,Wx | unpcklpd Vx,Wx');
  m[0x15] = sse('unpckhps Vx,Wx | unpckhpd Vx,Wx');
  m[0x16] = {
    mem: sse('movhps Vx,Mq | movhpd Vx,Mq | movshdup Vx,Wx'),
    reg: sse('movlhps Vx,Ux | - | movshdup Vx,Wx'),
  };
  m[0x17] = { mem: sse('movhps Mq,Vx | movhpd Mq,Vx'), reg: null };
  // The hint space 0F 18-1F: the SDM's NOP Ev (iced calls the undefined ones "reservednop" and gives them Gv too).
  const hint = 'nop Ev,Gv';
  m[0x18] = {
    mem: [
      'prefetchnta Mb',
      'prefetcht0 Mb',
      'prefetcht1 Mb',
      'prefetcht2 Mb',
      hint,
      hint,
      'prefetchit1 Mb',
      'prefetchit0 Mb',
    ],
    reg: hint,
  };
  for (let i = 0x19; i <= 0x1f; i++) m[i] = hint;
  m[0x1c] = {
    mem: [sse(`cldemote Mb | ${hint} | ${hint} | ${hint}`), hint, hint, hint, hint, hint, hint, hint],
    reg: hint,
  };
  m[0x1f] = ['nop Ev', hint, hint, hint, hint, hint, hint, hint];
  // F3 0F 1E: endbr64/endbr32 and rdsspd/q (decode.ts).
  m[0x20] = 'mov Rn,Cn';
  m[0x21] = 'mov Rn,Dn';
  m[0x22] = 'mov Cn,Rn';
  m[0x23] = 'mov Dn,Rn';
  m[0x28] = sse('movaps Vx,Wx | movapd Vx,Wx');
  m[0x29] = sse('movaps Wx,Vx | movapd Wx,Vx');
  m[0x2a] = sse('cvtpi2ps Vx,Qq | cvtpi2pd Vx,Qq | cvtsi2ss Vx,Ey | cvtsi2sd Vx,Ey');
  m[0x2b] = { mem: sse('movntps Mx,Vx | movntpd Mx,Vx | movntss Md,Vx | movntsd Mq,Vx'), reg: null };
  m[0x2c] = sse('cvttps2pi Pq,Wsd | cvttpd2pi Pq,Wx | cvttss2si Gy,Wss | cvttsd2si Gy,Wsd');
  m[0x2d] = sse('cvtps2pi Pq,Wsd | cvtpd2pi Pq,Wx | cvtss2si Gy,Wss | cvtsd2si Gy,Wsd');
  m[0x2e] = sse('ucomiss Vx,Wss | ucomisd Vx,Wsd');
  m[0x2f] = sse('comiss Vx,Wss | comisd Vx,Wsd');
  m[0x30] = 'wrmsr';
  m[0x31] = 'rdtsc';
  m[0x32] = 'rdmsr';
  m[0x33] = 'rdpmc';
  m[0x34] = 'sysenter';
  m[0x35] = 'sysexit';
  m[0x37] = 'getsec';
  CONDITIONS.forEach((cc, i) => {
    m[0x40 + i] = `cmov${cc} Gv,Ev`;
    m[0x80 + i] = `j${cc} Jz f64`;
    m[0x90 + i] = `set${cc} Eb`;
  });
  m[0x50] = { mem: null, reg: sse('movmskps Gy,Ux | movmskpd Gy,Ux') };
  const arith: [number, string, boolean][] = [
    [0x51, 'sqrt', true],
    [0x58, 'add', true],
    [0x59, 'mul', true],
    [0x5c, 'sub', true],
    [0x5d, 'min', true],
    [0x5e, 'div', true],
    [0x5f, 'max', true],
  ];
  for (const [op, name] of arith) {
    m[op] = sse(`${name}ps Vx,Wx | ${name}pd Vx,Wx | ${name}ss Vx,Wss | ${name}sd Vx,Wsd`);
  }
  m[0x52] = sse('rsqrtps Vx,Wx | - | rsqrtss Vx,Wss');
  m[0x53] = sse('rcpps Vx,Wx | - | rcpss Vx,Wss');
  m[0x54] = sse('andps Vx,Wx | andpd Vx,Wx');
  m[0x55] = sse('andnps Vx,Wx | andnpd Vx,Wx');
  m[0x56] = sse('orps Vx,Wx | orpd Vx,Wx');
  m[0x57] = sse('xorps Vx,Wx | xorpd Vx,Wx');
  m[0x5a] = sse('cvtps2pd Vx,Wsd | cvtpd2ps Vx,Wx | cvtss2sd Vx,Wss | cvtsd2ss Vx,Wsd');
  m[0x5b] = sse('cvtdq2ps Vx,Wx | cvtps2dq Vx,Wx | cvttps2dq Vx,Wx');
  const packed = [
    'punpcklbw',
    'punpcklwd',
    'punpckldq',
    'packsswb',
    'pcmpgtb',
    'pcmpgtw',
    'pcmpgtd',
    'packuswb',
    'punpckhbw',
    'punpckhwd',
    'punpckhdq',
    'packssdw',
  ];
  packed.forEach((op, i) => {
    // The MMX unpack-low forms read 32 bits of memory.
    m[0x60 + i] = i < 3 ? sse(`${op} Pq,Qd | ${op} Vx,Wx`) : mmxSse(op);
  });
  m[0x6c] = sse('- | punpcklqdq Vx,Wx');
  m[0x6d] = sse('- | punpckhqdq Vx,Wx');
  m[0x6e] = sse('movd Pq,Ey | movd Vx,Ey');
  m[0x6f] = sse('movq Pq,Qq | movdqa Vx,Wx | movdqu Vx,Wx');
  m[0x70] = sse('pshufw Pq,Qq,Ib | pshufd Vx,Wx,Ib | pshufhw Vx,Wx,Ib | pshuflw Vx,Wx,Ib');
  m[0x71] = {
    mem: null,
    reg: [
      null,
      null,
      sse('psrlw Nq,Ib | psrlw Ux,Ib'),
      null,
      sse('psraw Nq,Ib | psraw Ux,Ib'),
      null,
      sse('psllw Nq,Ib | psllw Ux,Ib'),
      null,
    ],
  };
  m[0x72] = {
    mem: null,
    reg: [
      null,
      null,
      sse('psrld Nq,Ib | psrld Ux,Ib'),
      null,
      sse('psrad Nq,Ib | psrad Ux,Ib'),
      null,
      sse('pslld Nq,Ib | pslld Ux,Ib'),
      null,
    ],
  };
  m[0x73] = {
    mem: null,
    reg: [
      null,
      null,
      sse('psrlq Nq,Ib | psrlq Ux,Ib'),
      sse('- | psrldq Ux,Ib'),
      null,
      null,
      sse('psllq Nq,Ib | psllq Ux,Ib'),
      sse('- | pslldq Ux,Ib'),
    ],
  };
  m[0x74] = mmxSse('pcmpeqb');
  m[0x75] = mmxSse('pcmpeqw');
  m[0x76] = mmxSse('pcmpeqd');
  m[0x77] = 'emms';
  // vmread/vmwrite; with 66 and F2 the SSE4a extrq/insertq (AMD).
  m[0x78] = {
    mem: sse('vmread En,Gn'),
    reg: sse('vmread En,Gn | extrq Ux,Ib,Ib | - | insertq Vx,Ux,Ib,Ib'),
  };
  m[0x79] = { mem: sse('vmwrite Gn,En'), reg: sse('vmwrite Gn,En | extrq Vx,Ux | - | insertq Vx,Ux') };
  m[0x7c] = sse('- | haddpd Vx,Wx | - | haddps Vx,Wx');
  m[0x7d] = sse('- | hsubpd Vx,Wx | - | hsubps Vx,Wx');
  m[0x7e] = sse('movd Ey,Pq | movd Ey,Vx | movq Vx,Wq');
  m[0x7f] = sse('movq Qq,Pq | movdqa Wx,Vx | movdqu Wx,Vx');
  m[0xa0] = 'push FS d64';
  m[0xa1] = 'pop FS d64';
  m[0xa2] = 'cpuid';
  m[0xa3] = 'bt Ev,Gv';
  m[0xaa] = 'rsm';
  m[0xa4] = 'shld Ev,Gv,Ib';
  m[0xa5] = 'shld Ev,Gv,CL';
  m[0xa8] = 'push GS d64';
  m[0xa9] = 'pop GS d64';
  m[0xab] = 'bts Ev,Gv';
  m[0xac] = 'shrd Ev,Gv,Ib';
  m[0xad] = 'shrd Ev,Gv,CL';
  m[0xae] = {
    mem: [
      sse('fxsave Mfx'),
      sse('fxrstor Mfx'),
      sse('ldmxcsr Md'),
      sse('stmxcsr Md'),
      sse('xsave M | - | ptwrite Ey'),
      sse('xrstor M'),
      sse('xsaveopt M | clwb Mb | clrssbsy Mq'),
      sse('clflush Mb | clflushopt Mb'),
    ],
    reg: [
      sse('- | - | rdfsbase Ry'),
      sse('- | - | rdgsbase Ry'),
      sse('- | - | wrfsbase Ry'),
      sse('- | - | wrgsbase Ry'),
      sse('- | - | ptwrite Ey'),
      sse('lfence | - | incssp Ry'),
      sse('mfence | tpause Ry | umonitor Rn | umwait Ry'),
      sse('sfence'),
    ],
  };
  m[0xaf] = 'imul Gv,Ev';
  m[0xb0] = 'cmpxchg Eb,Gb';
  m[0xb1] = 'cmpxchg Ev,Gv';
  m[0xb2] = { mem: 'lss Gv,Mp', reg: null };
  m[0xb3] = 'btr Ev,Gv';
  m[0xb4] = { mem: 'lfs Gv,Mp', reg: null };
  m[0xb5] = { mem: 'lgs Gv,Mp', reg: null };
  m[0xb6] = 'movzx Gv,Eb';
  m[0xb7] = 'movzx Gv,Ew';
  m[0xb8] = sse('- | - | popcnt Gv,Ev');
  m[0xb9] = 'ud1 Gv,Ev';
  m[0xba] = [null, null, null, null, 'bt Ev,Ib', 'bts Ev,Ib', 'btr Ev,Ib', 'btc Ev,Ib'];
  m[0xbb] = 'btc Ev,Gv';
  m[0xbc] = sse('bsf Gv,Ev | bsf Gv,Ev | tzcnt Gv,Ev | bsf Gv,Ev');
  m[0xbd] = sse('bsr Gv,Ev | bsr Gv,Ev | lzcnt Gv,Ev | bsr Gv,Ev');
  m[0xbe] = 'movsx Gv,Eb';
  m[0xbf] = 'movsx Gv,Ew';
  m[0xc0] = 'xadd Eb,Gb';
  m[0xc1] = 'xadd Ev,Gv';
  m[0xc2] = sse('cmpps Vx,Wx,Ib | cmppd Vx,Wx,Ib | cmpss Vx,Wss,Ib | cmpsd Vx,Wsd,Ib');
  m[0xc3] = { mem: 'movnti My,Gy', reg: null };
  m[0xc4] = sse('pinsrw Pq,Ry/Mw,Ib | pinsrw Vx,Ry/Mw,Ib');
  m[0xc5] = { mem: null, reg: sse('pextrw Gy,Nq,Ib | pextrw Gy,Ux,Ib') };
  m[0xc6] = sse('shufps Vx,Wx,Ib | shufpd Vx,Wx,Ib');
  m[0xc7] = {
    mem: [
      null,
      'cmpxchg8b Mq',
      null,
      sse('xrstors M'),
      sse('xsavec M'),
      sse('xsaves M'),
      sse('vmptrld Mq | vmclear Mq | vmxon Mq'),
      sse('vmptrst Mq'),
    ],
    reg: [
      null,
      null,
      null,
      null,
      null,
      null,
      sse('rdrand Rv | rdrand Rv | senduipi Rq'),
      sse('rdseed Rv | rdseed Rv | rdpid Rn'),
    ],
  };
  for (let i = 0; i < 8; i++) m[0xc8 + i] = 'bswap Zv';
  m[0xd0] = sse('- | addsubpd Vx,Wx | - | addsubps Vx,Wx');
  const rowD = [null, 'psrlw', 'psrld', 'psrlq', 'paddq', 'pmullw', null, null];
  const rowD8 = ['psubusb', 'psubusw', 'pminub', 'pand', 'paddusb', 'paddusw', 'pmaxub', 'pandn'];
  const rowE = ['pavgb', 'psraw', 'psrad', 'pavgw', 'pmulhuw', 'pmulhw', null, null];
  const rowE8 = ['psubsb', 'psubsw', 'pminsw', 'por', 'paddsb', 'paddsw', 'pmaxsw', 'pxor'];
  const rowF = [null, 'psllw', 'pslld', 'psllq', 'pmuludq', 'pmaddwd', 'psadbw', null];
  const rowF8 = ['psubb', 'psubw', 'psubd', 'psubq', 'paddb', 'paddw', 'paddd', null];
  const rows: [number, (string | null)[]][] = [
    [0xd0, rowD],
    [0xd8, rowD8],
    [0xe0, rowE],
    [0xe8, rowE8],
    [0xf0, rowF],
    [0xf8, rowF8],
  ];
  for (const [base, names] of rows) {
    names.forEach((op, i) => {
      if (op) m[base + i] = mmxSse(op);
    });
  }
  m[0xd6] = sse('- | movq Wq,Vx | movq2dq Vx,Nq | movdq2q Pq,Ux');
  m[0xd7] = { mem: null, reg: sse('pmovmskb Gy,Nq | pmovmskb Gy,Ux') };
  m[0xe6] = sse('- | cvttpd2dq Vx,Wx | cvtdq2pd Vx,Wsd | cvtpd2dq Vx,Wx');
  m[0xe7] = { mem: sse('movntq Mq,Pq | movntdq Mx,Vx'), reg: null };
  m[0xf0] = { mem: sse('- | - | - | lddqu Vx,Mx'), reg: null };
  m[0xf7] = { mem: null, reg: sse('maskmovq Pq,Nq | maskmovdqu Vx,Ux') };
  m[0xff] = 'ud0 Gv,Ev';
  return m;
}

export const TWO_BYTE_MAP: readonly MapEntry[] = build();

/** 0F 01 with mod = 3: the instruction is chosen by the whole ModRM byte. */
export const GROUP7_REG: Readonly<Record<number, string>> = {
  192: 'enclv',
  193: 'vmcall',
  194: 'vmlaunch',
  195: 'vmresume',
  196: 'vmxoff',
  197: 'pconfig',
  198: 'wrmsrns',
  200: 'monitor',
  201: 'mwait',
  202: 'clac',
  203: 'stac',
  208: 'xgetbv',
  209: 'xsetbv',
  213: 'xend',
  212: 'vmfunc',
  214: 'xtest',
  215: 'enclu',
  216: 'vmrun',
  217: 'vmmcall',
  218: 'vmload',
  219: 'vmsave',
  220: 'stgi',
  221: 'clgi',
  222: 'skinit',
  223: 'invlpga',
  232: 'serialize',
  238: 'rdpkru',
  239: 'wrpkru',
  248: 'swapgs',
  249: 'rdtscp',
  250: 'monitorx',
  251: 'mwaitx',
  252: 'clzero',
  253: 'rdpru',
  254: 'invlpgb',
  255: 'tlbsync',
};

/** 0F 01 with mod = 3 and an F3 or F2 prefix. */
export const GROUP7_REG_F3: Readonly<Record<number, string>> = {
  198: 'wrmsrlist',
  202: 'eretu',
  217: 'vmgexit',
  232: 'setssbsy',
  234: 'saveprevssp',
  236: 'uiret',
  237: 'testui',
  238: 'clui',
  239: 'stui',
  250: 'mcommit',
  253: 'rmpquery',
  254: 'rmpadjust',
  255: 'psmash',
};
export const GROUP7_REG_F2: Readonly<Record<number, string>> = {
  198: 'rdmsrlist',
  202: 'erets',
  217: 'vmgexit',
  232: 'xsusldtrk',
  233: 'xresldtrk',
  254: 'rmpupdate',
  255: 'pvalidate',
};
