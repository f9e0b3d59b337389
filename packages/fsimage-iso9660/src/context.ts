/** What every part of the reader needs to know about the mounted volume. */
import type { BlockSource, Limits, OperationGuard } from '@x/fsimage';
import type { IsoOptions } from './options.js';

/** Where names and attributes come from: which tree, and which extension. */
export type Namespace = 'rockridge' | 'joliet' | 'iso9660';

export interface IsoContext {
  readonly source: BlockSource;
  readonly blockSize: number;
  readonly limits: Limits;
  readonly guard: OperationGuard;
  readonly warn: (message: string) => void;
  readonly options: IsoOptions;
  readonly namespace: Namespace;
  /** Bytes skipped at the start of each system use area (the SP entry's LEN_SKP). */
  readonly suspSkip: number;
  /** Inode of the root directory (the byte position of its "." record). */
  readonly rootIno: number;
}
