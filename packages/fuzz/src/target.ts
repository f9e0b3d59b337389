/**
 * What a fuzz target module exports, and how a worker loads and checks one.
 */
import { FuzzError } from './errors.js';

/** The exports of a target module (a plain `.mjs` importing a package's built code). */
export interface FuzzTarget {
  /** Parse one input. Returning (or resolving) is success; throwing is judged by `isExpected`. */
  fuzz(data: Uint8Array): unknown;
  /** Errors that are the correct answer to bad input (e.g. `e instanceof FsError`); anything else is a crash. */
  isExpected?(error: unknown): boolean;
  /** Real inputs to start from: images built by a real tool, or read from fixtures. */
  seeds?(): Uint8Array[] | Promise<Uint8Array[]>;
  /** Byte strings worth inserting ("CD001", "EFI PART"); strings are taken as Latin-1 bytes. */
  dictionary?: readonly (string | Uint8Array)[];
  /**
   * Which scripts' coverage is feedback, by file: URL. By default every file:
   * script outside node_modules and outside the fuzzer itself.
   */
  covers?(url: string): boolean;
}

export interface LoadedTarget {
  fuzz: (data: Uint8Array) => unknown;
  isExpected: ((error: unknown) => boolean) | undefined;
  seeds: (() => Uint8Array[] | Promise<Uint8Array[]>) | undefined;
  dictionary: Uint8Array[];
  covers: ((url: string) => boolean) | undefined;
}

function optionalFunction<F>(module: Record<string, unknown>, name: string): F | undefined {
  const value = module[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'function')
    throw new FuzzError('ETARGET', `the target's export ${name} is not a function`);
  return value as F;
}

export async function loadTarget(url: string): Promise<LoadedTarget> {
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new FuzzError('ETARGET', `cannot load the target ${url}: ${describe(e)}`, { cause: e });
  }
  const fuzz = optionalFunction<LoadedTarget['fuzz']>(module, 'fuzz');
  if (!fuzz) throw new FuzzError('ETARGET', `the target ${url} does not export a function fuzz(data)`);
  return {
    fuzz,
    isExpected: optionalFunction(module, 'isExpected'),
    seeds: optionalFunction(module, 'seeds'),
    dictionary: dictionaryOf(module['dictionary']),
    covers: optionalFunction(module, 'covers'),
  };
}

function dictionaryOf(value: unknown): Uint8Array[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new FuzzError('ETARGET', "the target's dictionary is not an array");
  const words: Uint8Array[] = [];
  for (const word of value) {
    if (typeof word === 'string') words.push(Uint8Array.from(Buffer.from(word, 'latin1')));
    else if (word instanceof Uint8Array) words.push(Uint8Array.from(word));
    else
      throw new FuzzError(
        'ETARGET',
        "the target's dictionary holds something other than strings and byte arrays",
      );
  }
  return words.filter((w) => w.length > 0);
}

/** Call the target's `seeds()` and check that it gave byte arrays. */
export async function seedsOf(target: LoadedTarget): Promise<Uint8Array[]> {
  if (!target.seeds) return [];
  let seeds: unknown;
  try {
    seeds = await target.seeds();
  } catch (e) {
    throw new FuzzError('ETARGET', `the target's seeds() failed: ${describe(e)}`, { cause: e });
  }
  if (!Array.isArray(seeds) || !seeds.every((s) => s instanceof Uint8Array)) {
    throw new FuzzError('ETARGET', "the target's seeds() did not return an array of Uint8Array");
  }
  // Plain Uint8Arrays: a Buffer would arrive on the other side as a Uint8Array anyway.
  return seeds.map((s) => Uint8Array.from(s));
}

/** The default scope: code loaded from files, minus third-party packages and the fuzzer. */
export function defaultScope(fuzzerUrl: string): (url: string) => boolean {
  return (url) => url.startsWith('file:') && !url.startsWith(fuzzerUrl) && !url.includes('/node_modules/');
}

export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
