/**
 * `-o` options. Generic ones are handled here (Linux habits such as `ro,loop`
 * are accepted); the rest go to the file-system plugin (`norock`, `map=off` …).
 */

export interface MountRequestOptions {
  /** Byte offset of the file system inside the image (`offset=`). */
  offset?: number;
  /** Bytes of the image that belong to it (`sizelimit=`). */
  sizeLimit?: number;
  /** A partition or slice of a labelled disk image (`part=p2`, `part=s0`). */
  part?: string;
  /** Let other users see the mount (`allow_other`; on by default for root). */
  allowOther?: boolean;
  /** FUSE worker threads (`threads=`). */
  threads?: number;
  /** Serve in the foreground instead of detaching (`foreground`, as -f). */
  foreground: boolean;
  /** Programs on the mount may not be run. */
  noexec: boolean;
  /** What is left for the plugin. */
  plugin: Record<string, string | true>;
  /** The option string as shown in the mount table. */
  display: string;
}

export class MountOptionError extends Error {}

/** Generic options: name → how to apply it. */
const GENERIC: Record<string, (o: MountRequestOptions, value: string | undefined) => void> = {
  ro: () => {},
  rw: () => {
    throw new MountOptionError('read-write mounts are not supported: images are mounted read-only');
  },
  loop: () => {},
  defaults: () => {},
  auto: () => {},
  noauto: () => {},
  user: () => {},
  nouser: () => {},
  // An image from a guest must not bring set-id programs or device nodes to
  // the host: nosuid and nodev always hold.
  nosuid: () => {},
  nodev: () => {},
  suid: () => {
    throw new MountOptionError('suid is not allowed: image mounts are always nosuid,nodev');
  },
  dev: () => {
    throw new MountOptionError('dev is not allowed: image mounts are always nosuid,nodev');
  },
  noexec: (o) => {
    o.noexec = true;
  },
  exec: (o) => {
    o.noexec = false;
  },
  allow_other: (o) => {
    o.allowOther = true;
  },
  foreground: (o) => {
    o.foreground = true;
  },
  offset: (o, v) => {
    o.offset = wholeNumber('offset', v);
  },
  sizelimit: (o, v) => {
    o.sizeLimit = wholeNumber('sizelimit', v);
  },
  part: (o, v) => {
    if (!v || !/^(p\d+|s\d+|p\d+s\d+)$/.test(v))
      throw new MountOptionError(`part= takes a name like p1 or s0, not "${v ?? ''}"`);
    o.part = v;
  },
  threads: (o, v) => {
    const n = wholeNumber('threads', v);
    if (n > 64) throw new MountOptionError('threads= takes 0 to 64');
    o.threads = n;
  },
};

function wholeNumber(name: string, value: string | undefined): number {
  const n = value === undefined ? Number.NaN : Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new MountOptionError(`${name}= takes a whole number, not "${value ?? ''}"`);
  return n;
}

/** Parse the comma-separated `-o` strings given (there may be several `-o`). */
export function parseMountOptions(lists: readonly string[]): MountRequestOptions {
  const o: MountRequestOptions = {
    foreground: false,
    noexec: false,
    plugin: {},
    display: '',
  };
  const shown: string[] = ['ro'];
  for (const list of lists) {
    for (const item of list.split(',')) {
      if (!item) continue;
      const eq = item.indexOf('=');
      const name = eq < 0 ? item : item.slice(0, eq);
      const value = eq < 0 ? undefined : item.slice(eq + 1);
      const generic = GENERIC[name];
      if (generic) generic(o, value);
      else o.plugin[name] = value ?? true;
      if (name !== 'ro' && name !== 'loop' && name !== 'defaults' && name !== 'foreground') shown.push(item);
    }
  }
  o.display = [...new Set(shown)].join(',');
  return o;
}
