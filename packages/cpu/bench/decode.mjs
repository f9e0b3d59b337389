#!/usr/bin/env node
/**
 * Decoder speed: instructions decoded per second over the .text of busybox
 * (Debian's busybox-static), ours against iced-x86's in the same run. Not a
 * test: it prints figures. Usage: node bench/decode.mjs [ELF file] [rounds]
 *
 * Ours is loaded from dist/ when the package is built and exports decode, else
 * bundled on the fly from src/decoder/decode.ts with the esbuild tsup brings.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const file = process.argv[2] ?? execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
const rounds = Number(process.argv[3] ?? 5);

async function loadDecode() {
  const dist = join(here, '../dist/index.js');
  if (existsSync(dist)) {
    const mod = await import(pathToFileURL(dist).href);
    if (typeof mod.decode === 'function') return { decode: mod.decode, from: 'dist/index.js' };
  }
  const require = createRequire(import.meta.url);
  const tsup = require.resolve('tsup');
  const esbuild = createRequire(tsup)('esbuild');
  const out = join(tmpdir(), `xvm-decode-bench-${process.pid}.mjs`);
  await esbuild.build({
    entryPoints: [join(here, '../src/decoder/decode.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: out,
    logLevel: 'warning',
  });
  const mod = await import(pathToFileURL(out).href);
  return { decode: mod.decode, from: 'src/decoder (bundled with esbuild)' };
}

/** The .text section of a 64-bit little-endian ELF file. */
function textSection(path) {
  const b = readFileSync(path);
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const strtab = shoff + b.readUInt16LE(0x3e) * shentsize;
  const strOffset = Number(b.readBigUInt64LE(strtab + 0x18));
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    const nameAt = strOffset + b.readUInt32LE(o);
    if (b.toString('latin1', nameAt, nameAt + 6) === '.text\0') {
      const offset = Number(b.readBigUInt64LE(o + 0x18));
      const size = Number(b.readBigUInt64LE(o + 0x20));
      return {
        bytes: new Uint8Array(b.subarray(offset, offset + size)),
        address: Number(b.readBigUInt64LE(o + 0x10)),
      };
    }
  }
  throw new Error(`${path}: no .text`);
}

const { decode, from } = await loadDecode();
const { default: iced } = await import('iced-x86');
const { bytes, address } = textSection(file);

function ours() {
  let pos = 0;
  let n = 0;
  while (pos < bytes.length) {
    const insn = decode(bytes, pos, address + pos, bytes.length);
    pos += insn.length || 1;
    n++;
  }
  return n;
}

function theirs() {
  const decoder = new iced.Decoder(64, bytes, iced.DecoderOptions.None);
  decoder.ip = BigInt(address);
  const insn = new iced.Instruction();
  let n = 0;
  while (decoder.canDecode) {
    decoder.decodeOut(insn);
    // What a consumer reads of each instruction: mnemonic, length and the operands' kinds and registers.
    void insn.mnemonic;
    void insn.length;
    for (let i = 0; i < insn.opCount; i++)
      if (insn.opKind(i) === iced.OpKind.Register) void insn.opRegister(i);
    n++;
  }
  insn.free();
  decoder.free();
  return n;
}

function measure(name, fn) {
  fn(); // warm up
  let best = 0;
  let count = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    count = fn();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, count / seconds);
  }
  console.log(
    `${name.padEnd(34)} ${count} instructions, best of ${rounds}: ${(best / 1e6).toFixed(2)} M instructions/s`,
  );
  return best;
}

console.log(`${file}: .text ${bytes.length} bytes at 0x${address.toString(16)}; ours from ${from}`);
const a = measure('ours (decode → Instruction)', ours);
const b = measure('iced-x86 (decodeOut + operands)', theirs);
console.log(`ratio ours/iced: ${(a / b).toFixed(2)}`);
