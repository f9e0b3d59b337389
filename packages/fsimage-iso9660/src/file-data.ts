/**
 * Reading recorded file bytes: one extent, or the extents of a multi-extent
 * file in order. A read inside one extent is a single positional read straight
 * into the caller's buffer.
 */
import { corruptAt, unsupported } from './bytes.js';
import type { IsoContext } from './context.js';
import type { Extent, IsoNode } from './node.js';

function readExtent(ctx: IsoContext, extent: Extent, buf: Uint8Array, offset: number): void {
  const at = extent.position + offset;
  if (at + buf.length > ctx.source.size) {
    throw corruptAt(
      'file extent',
      extent.position,
      `of ${extent.length} bytes runs past the end of the image`,
    );
  }
  ctx.source.read(buf, at);
}

/** Copy recorded bytes at `position` into `buf`; returns the count (short only at the end). */
export function readRecorded(ctx: IsoContext, node: IsoNode, buf: Uint8Array, position: number): number {
  if (node.interleaved) {
    const { unitSize, gapSize } = node.interleaved;
    throw unsupported(
      `interleaved files (file unit ${unitSize} blocks, gap ${gapSize} blocks) are not supported`,
    );
  }
  if (position >= node.recordedSize || buf.length === 0) return 0;
  const count = Math.min(buf.length, node.recordedSize - position);
  const first = node.extents[0]!;
  if (node.extents.length === 1) {
    readExtent(ctx, first, count === buf.length ? buf : buf.subarray(0, count), position);
    return count;
  }
  let done = 0;
  let extentStart = 0;
  for (const extent of node.extents) {
    if (done === count) break;
    const at = position + done;
    if (at < extentStart + extent.length) {
      const take = Math.min(count - done, extentStart + extent.length - at);
      readExtent(ctx, extent, buf.subarray(done, done + take), at - extentStart);
      done += take;
    }
    extentStart += extent.length;
  }
  return done;
}
