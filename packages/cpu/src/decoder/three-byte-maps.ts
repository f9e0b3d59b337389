/**
 * The 0F 38 and 0F 3A opcode maps (SDM vol. 2, tables ): the SSSE3,
 * SSE4.1 and SSE4.2 forms gcc emits and glibc's string functions use, plus movbe
 * and crc32. Notation as in two-byte-map.ts.
 */
import type { MapEntry } from './one-byte-map.js';

function forms(
  none: string | null,
  p66: string | null,
  f3: string | null = null,
  f2: string | null = null,
): MapEntry {
  return { prefixed: [none, p66, f3, f2] };
}

/** SSSE3 rows exist in an MMX form (no prefix) and an XMM form (66). */
function ssse3(op: string): MapEntry {
  return forms(`${op} Pq,Qq`, `${op} Vx,Wx`);
}

function sse41(op: string, args = 'Vx,Wx'): MapEntry {
  return forms(null, `${op} ${args}`);
}

function build38(): MapEntry[] {
  const m: MapEntry[] = new Array(256).fill(null);
  const s3 = [
    'pshufb',
    'phaddw',
    'phaddd',
    'phaddsw',
    'pmaddubsw',
    'phsubw',
    'phsubd',
    'phsubsw',
    'psignb',
    'psignw',
    'psignd',
    'pmulhrsw',
  ];
  s3.forEach((op, i) => {
    m[i] = ssse3(op);
  });
  // The implicit XMM0 of the blends is not an operand (as in iced; the SDM writes it <XMM0>).
  m[0x10] = sse41('pblendvb');
  m[0x14] = sse41('blendvps');
  m[0x15] = sse41('blendvpd');
  m[0x17] = sse41('ptest');
  m[0x1c] = ssse3('pabsb');
  m[0x1d] = ssse3('pabsw');
  m[0x1e] = ssse3('pabsd');
  const widen = ['bw Vx,Wq', 'bd Vx,Wd', 'bq Vx,Ww', 'wd Vx,Wq', 'wq Vx,Wd', 'dq Vx,Wq'];
  widen.forEach((w, i) => {
    m[0x20 + i] = sse41(`pmovsx${w.split(' ')[0]}`, w.split(' ')[1]);
    m[0x30 + i] = sse41(`pmovzx${w.split(' ')[0]}`, w.split(' ')[1]);
  });
  m[0x28] = sse41('pmuldq');
  m[0x29] = sse41('pcmpeqq');
  m[0x2a] = { mem: sse41('movntdqa', 'Vx,Mx'), reg: null };
  m[0x2b] = sse41('packusdw');
  m[0x37] = sse41('pcmpgtq');
  const minmax = ['pminsb', 'pminsd', 'pminuw', 'pminud', 'pmaxsb', 'pmaxsd', 'pmaxuw', 'pmaxud'];
  minmax.forEach((op, i) => {
    m[0x38 + i] = sse41(op);
  });
  m[0x40] = sse41('pmulld');
  m[0x41] = sse41('phminposuw');
  m[0x80] = { mem: sse41('invept', 'Gn,Mx'), reg: null };
  m[0x81] = { mem: sse41('invvpid', 'Gn,Mx'), reg: null };
  m[0x82] = { mem: sse41('invpcid', 'Gn,Mx'), reg: null };
  m[0xc8] = forms('sha1nexte Vx,Wx', null);
  m[0xc9] = forms('sha1msg1 Vx,Wx', null);
  m[0xca] = forms('sha1msg2 Vx,Wx', null);
  m[0xcb] = forms('sha256rnds2 Vx,Wx', null);
  m[0xcc] = forms('sha256msg1 Vx,Wx', null);
  m[0xcd] = forms('sha256msg2 Vx,Wx', null);
  m[0xcf] = sse41('gf2p8mulb');
  m[0xdb] = sse41('aesimc');
  m[0xdc] = sse41('aesenc');
  m[0xdd] = sse41('aesenclast');
  m[0xde] = sse41('aesdec');
  m[0xdf] = sse41('aesdeclast');
  // movbe takes 66 as an operand-size prefix (the same form for none and 66), crc32 is F2 (66 F2 for 16 bits).
  m[0xf0] = {
    mem: forms('movbe Gv,Mv', 'movbe Gv,Mv', null, 'crc32 Gy,Eb'),
    reg: forms(null, null, null, 'crc32 Gy,Eb'),
  };
  m[0xf1] = {
    mem: forms('movbe Mv,Gv', 'movbe Mv,Gv', null, 'crc32 Gy,Ev'),
    reg: forms(null, null, null, 'crc32 Gy,Ev'),
  };
  m[0xf5] = { mem: forms(null, 'wruss My,Gy'), reg: null };
  m[0xf6] = forms('wrss My,Gy', 'adcx Gy,Ey', 'adox Gy,Ey');
  m[0xf8] = { mem: forms(null, 'movdir64b Gn,Mcl', 'enqcmds Gn,Mcl', 'enqcmd Gn,Mcl'), reg: null };
  m[0xf9] = { mem: forms('movdiri My,Gy', null), reg: null };
  return m;
}

function build3a(): MapEntry[] {
  const m: MapEntry[] = new Array(256).fill(null);
  m[0x08] = sse41('roundps', 'Vx,Wx,Ib');
  m[0x09] = sse41('roundpd', 'Vx,Wx,Ib');
  m[0x0a] = sse41('roundss', 'Vx,Wss,Ib');
  m[0x0b] = sse41('roundsd', 'Vx,Wsd,Ib');
  m[0x0c] = sse41('blendps', 'Vx,Wx,Ib');
  m[0x0d] = sse41('blendpd', 'Vx,Wx,Ib');
  m[0x0e] = sse41('pblendw', 'Vx,Wx,Ib');
  m[0x0f] = forms('palignr Pq,Qq,Ib', 'palignr Vx,Wx,Ib');
  m[0x14] = sse41('pextrb', 'Ry/Mb,Vx,Ib');
  m[0x15] = sse41('pextrw', 'Ry/Mw,Vx,Ib');
  m[0x16] = sse41('pextr', 'Ey,Vx,Ib');
  m[0x17] = sse41('extractps', 'Ry/Md,Vx,Ib');
  m[0x20] = sse41('pinsrb', 'Vx,Ry/Mb,Ib');
  m[0x21] = sse41('insertps', 'Vx,Wd,Ib');
  m[0x22] = sse41('pinsr', 'Vx,Ey,Ib');
  m[0x40] = sse41('dpps', 'Vx,Wx,Ib');
  m[0x41] = sse41('dppd', 'Vx,Wx,Ib');
  m[0x42] = sse41('mpsadbw', 'Vx,Wx,Ib');
  m[0x60] = sse41('pcmpestrm', 'Vx,Wx,Ib');
  m[0x61] = sse41('pcmpestri', 'Vx,Wx,Ib');
  m[0x62] = sse41('pcmpistrm', 'Vx,Wx,Ib');
  m[0x63] = sse41('pcmpistri', 'Vx,Wx,Ib');
  m[0x44] = sse41('pclmulqdq', 'Vx,Wx,Ib');
  m[0xcc] = forms('sha1rnds4 Vx,Wx,Ib', null);
  m[0xce] = sse41('gf2p8affineqb', 'Vx,Wx,Ib');
  m[0xcf] = sse41('gf2p8affineinvqb', 'Vx,Wx,Ib');
  m[0xdf] = sse41('aeskeygenassist', 'Vx,Wx,Ib');
  return m;
}

export const MAP_0F38: readonly MapEntry[] = build38();
export const MAP_0F3A: readonly MapEntry[] = build3a();
