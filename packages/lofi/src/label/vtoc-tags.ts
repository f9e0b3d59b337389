/** Slice tags and flags of the Solaris VTOC (sys/vtoc.h), shared by x86 VTOC and SPARC SMI labels. */

export const VTOC_TAGS: ReadonlyMap<number, string> = new Map([
  [0x00, 'unassigned'],
  [0x01, 'boot'],
  [0x02, 'root'],
  [0x03, 'swap'],
  [0x04, 'usr'],
  [0x05, 'backup'],
  [0x06, 'stand'],
  [0x07, 'var'],
  [0x08, 'home'],
  [0x09, 'alternates'],
  [0x0a, 'cache'],
  [0x0b, 'reserved'],
  [0x0c, 'system'],
  [0x18, 'BIOS boot'],
  // Linux writes its MBR ids into the tags of the Sun labels it makes.
  [0x82, 'Linux swap'],
  [0x83, 'Linux native'],
  [0x8e, 'Linux LVM'],
  [0xfd, 'Linux raid autodetect'],
]);

/** The backup slice: by convention s2, it covers the whole disk (SMI) or fdisk partition (x86). */
export const VTOC_TAG_BACKUP = 0x05;

export const VTOC_FLAG = {
  unmountable: 0x01,
  readOnly: 0x10,
} as const;

/** v_sanity of a valid VTOC, and the only layout version there is. */
export const VTOC_SANITY = 0x600ddeee;
export const VTOC_VERSION = 1;
/** dkl_magic of both the x86 and the SPARC dk_label. */
export const DKL_MAGIC = 0xdabe;

export function vtocTagName(tag: number): string {
  return VTOC_TAGS.get(tag) ?? 'unknown';
}
