/**
 * Access rights (SDM vol. 3, 4.6) as a decision table. Given the control
 * bits that matter (CR0.WP, CR4.SMEP, CR4.SMAP, EFER.NXE), every combination
 * of access kind, access mode and a translation's RW/US/NX is decided once,
 * when a control register changes, so that a TLB hit costs one table load.
 * Protection keys depend on PKRU and the page's key and are checked apart
 * (`pkeyFault`).
 */
import { AccessKind, AccessMode, PFEC } from './constants.js';

/** Table index: kind (2 bits) << 6 | mode (3 bits) << 3 | RW | US << 1 | NX << 2. */
export function accessIndex(kind: number, mode: number, permission: number): number {
  return (kind << 6) | ((mode & 7) << 3) | permission;
}

export interface AccessControl {
  wp: boolean;
  smep: boolean;
  smap: boolean;
  nxe: boolean;
}

/** True for an explicit access at CPL 3: the only user-mode accesses (4.6). */
export function isUserAccess(mode: number): boolean {
  return (mode & (AccessMode.User | AccessMode.Implicit)) === AccessMode.User;
}

/** The W, U and I bits of a page-fault error code for an access (4.7). */
export function accessErrorBits(kind: number, mode: number, control: AccessControl): number {
  let code = 0;
  if (kind === AccessKind.Write) code |= PFEC.W;
  if (isUserAccess(mode)) code |= PFEC.U;
  if (kind === AccessKind.Execute && (control.nxe || control.smep)) code |= PFEC.I;
  return code;
}

/** Whether an access is allowed by RW, US, NX, WP, SMEP and SMAP (4.6.1). */
function allowed(
  kind: number,
  mode: number,
  rw: boolean,
  us: boolean,
  nx: boolean,
  c: AccessControl,
): boolean {
  const user = isUserAccess(mode);
  if (kind === AccessKind.Execute) {
    if (c.nxe && nx) return false;
    // User mode fetches only from user pages; supervisor mode not from user pages under SMEP.
    return user ? us : !(us && c.smep);
  }
  if (user) return us && (kind === AccessKind.Read || rw);
  // Supervisor data access: R/W binds only with CR0.WP; SMAP forbids user pages unless AC on an explicit access.
  if (kind === AccessKind.Write && c.wp && !rw) return false;
  if (us && c.smap) return (mode & AccessMode.AC) !== 0 && (mode & AccessMode.Implicit) === 0;
  return true;
}

/** The decision table: 0 where the access is allowed, else the page-fault error code. */
export function buildAccessTable(control: AccessControl): Uint8Array {
  const table = new Uint8Array(3 << 6);
  for (let kind = 0; kind < 3; kind++) {
    for (let mode = 0; mode < 8; mode++) {
      const fault = PFEC.P | accessErrorBits(kind, mode, control);
      for (let permission = 0; permission < 8; permission++) {
        const ok = allowed(
          kind,
          mode,
          (permission & 1) !== 0,
          (permission & 2) !== 0,
          (permission & 4) !== 0,
          control,
        );
        table[accessIndex(kind, mode, permission)] = ok ? 0 : fault;
      }
    }
  }
  return table;
}

/** The W, U and I bits for every kind and mode, for not-present and reserved-bit faults. */
export function buildErrorBitsTable(control: AccessControl): Uint8Array {
  const table = new Uint8Array(3 << 3);
  for (let kind = 0; kind < 3; kind++) {
    for (let mode = 0; mode < 8; mode++) table[(kind << 3) | mode] = accessErrorBits(kind, mode, control);
  }
  return table;
}

/**
 * Protection keys (4.6.2), for a data access to a user page with CR4.PKE = 1:
 * AD forbids any data access, WD forbids user writes and, with CR0.WP,
 * supervisor writes. Returns PK | P | W | U for a violation, else 0.
 */
export function pkeyFault(pkru: number, pkey: number, kind: number, mode: number, wp: boolean): number {
  const rights = pkru >>> (pkey * 2);
  const user = isUserAccess(mode);
  const write = kind === AccessKind.Write;
  if ((rights & 1) !== 0 || (write && (rights & 2) !== 0 && (user || wp))) {
    return PFEC.PK | PFEC.P | (write ? PFEC.W : 0) | (user ? PFEC.U : 0);
  }
  return 0;
}
