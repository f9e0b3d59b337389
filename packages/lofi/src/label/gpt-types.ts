/** GPT partition type GUIDs: the well-known ones (UEFI, Linux, Microsoft, Solaris/illumos, BSD, Apple). */

export const GPT_TYPES: ReadonlyMap<string, string> = new Map([
  ['c12a7328-f81f-11d2-ba4b-00a0c93ec93b', 'EFI System'],
  ['024dee41-33e7-11d3-9d69-0008c781f39f', 'MBR partition scheme'],
  ['21686148-6449-6e6f-744e-656564454649', 'BIOS boot'],
  ['0fc63daf-8483-4772-8e79-3d69d8477de4', 'Linux filesystem'],
  ['0657fd6d-a4ab-43c4-84e5-0933c84b4f4f', 'Linux swap'],
  ['44479540-f297-41b2-9af7-d131d5f0458a', 'Linux root (x86)'],
  ['4f68bce3-e8cd-4db1-96e7-fbcaf984b709', 'Linux root (x86-64)'],
  ['b921b045-1df0-41c3-af44-4c6f280d3fae', 'Linux root (ARM-64)'],
  ['933ac7e1-2eb4-4f13-b844-0e14e2aef915', 'Linux home'],
  ['a19d880f-05fc-4d3b-a006-743f0f84911e', 'Linux RAID'],
  ['e6d6d379-f507-44c2-a23c-238f2a3df928', 'Linux LVM'],
  ['bc13c2ff-59e6-4262-a352-b275fd6f7172', 'Linux extended boot'],
  ['ebd0a0a2-b9e5-4433-87c0-68b6b72699c7', 'Microsoft basic data'],
  ['e3c9e316-0b5c-4db8-817d-f92df00215ae', 'Microsoft reserved'],
  ['de94bba4-06d1-4d40-a16a-bfd50179d6ac', 'Windows recovery environment'],
  ['5808c8aa-7e8f-42e0-85d2-e1e90434cfb3', 'Microsoft LDM metadata'],
  ['af9b60a0-1431-4f62-bc68-3311714a69ad', 'Microsoft LDM data'],
  ['6a82cb45-1dd2-11b2-99a6-080020736631', 'Solaris boot'],
  ['6a85cf4d-1dd2-11b2-99a6-080020736631', 'Solaris root'],
  ['6a87c46f-1dd2-11b2-99a6-080020736631', 'Solaris swap'],
  ['6a8b642b-1dd2-11b2-99a6-080020736631', 'Solaris backup'],
  ['6a898cc3-1dd2-11b2-99a6-080020736631', 'Solaris /usr & Apple ZFS'],
  ['6a8ef2e9-1dd2-11b2-99a6-080020736631', 'Solaris /var'],
  ['6a90ba39-1dd2-11b2-99a6-080020736631', 'Solaris /home'],
  ['6a9283a5-1dd2-11b2-99a6-080020736631', 'Solaris alternate sector'],
  ['6a945a3b-1dd2-11b2-99a6-080020736631', 'Solaris reserved 1'],
  ['6a9630d1-1dd2-11b2-99a6-080020736631', 'Solaris reserved 2'],
  ['6a980767-1dd2-11b2-99a6-080020736631', 'Solaris reserved 3'],
  ['6a96237f-1dd2-11b2-99a6-080020736631', 'Solaris reserved 4'],
  ['6a8d2ac7-1dd2-11b2-99a6-080020736631', 'Solaris reserved 5'],
  ['516e7cb4-6ecf-11d6-8ff8-00022d09712b', 'FreeBSD data'],
  ['83bd6b9d-7f41-11dc-be0b-001560b84f0f', 'FreeBSD boot'],
  ['516e7cb5-6ecf-11d6-8ff8-00022d09712b', 'FreeBSD swap'],
  ['516e7cb6-6ecf-11d6-8ff8-00022d09712b', 'FreeBSD UFS'],
  ['516e7cba-6ecf-11d6-8ff8-00022d09712b', 'FreeBSD ZFS'],
  ['48465300-0000-11aa-aa11-00306543ecac', 'Apple HFS/HFS+'],
  ['7c3457ef-0000-11aa-aa11-00306543ecac', 'Apple APFS'],
]);

export function gptTypeName(guid: string): string {
  return GPT_TYPES.get(guid) ?? 'unknown';
}

/** GPT attribute bits that mean something for every partition type (UEFI 2.x, 5.3.3). */
export const GPT_ATTRIBUTE = {
  requiredPartition: 1n << 0n,
  noBlockIoProtocol: 1n << 1n,
  legacyBiosBootable: 1n << 2n,
} as const;
