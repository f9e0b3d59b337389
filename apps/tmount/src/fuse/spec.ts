/**
 * What a serving thread needs to open the image itself: a FileSystem cannot
 * cross a thread boundary, but the recipe for one can.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type FileSystem, type Limits, openImage } from '@x/fsimage';

export interface ImageSpec {
  /** Path of the image file. */
  image: string;
  /** Byte offset of the file system inside the image, and its length. */
  offset?: number;
  size?: number;
  /** Type name instead of probing (`iso9660`, `hsfs` …). */
  fstype?: string;
  /** Plugin options (`norock`, `session=1` …). */
  options?: Record<string, string | true>;
  limits?: Partial<Limits>;
  /**
   * Modules that register the plugins when imported: package names resolved
   * from this package (`@x/fsimage-iso9660`), absolute paths or file URLs.
   */
  pluginModules: string[];
}

function specifier(module: string): string {
  return isAbsolute(module) ? pathToFileURL(module).href : module;
}

/** Import the plugins, then open the image as the spec says. */
export async function openSpec(spec: ImageSpec, onWarning?: (message: string) => void): Promise<FileSystem> {
  for (const module of spec.pluginModules) await import(specifier(module));
  return openImage(spec.image, {
    offset: spec.offset,
    size: spec.size,
    fstype: spec.fstype,
    options: spec.options,
    limits: spec.limits,
    onWarning,
  });
}
