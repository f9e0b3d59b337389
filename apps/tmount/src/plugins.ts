/**
 * The file-system plugins tmount ships with. Serving threads import the same
 * modules by name (a plugin object cannot cross a thread), so both lists live here.
 */
import type { FsPlugin } from '@x/fsimage';
import { plugin as iso9660 } from '@x/fsimage-iso9660';

export const PLUGINS: readonly FsPlugin[] = [iso9660];

/** Module names that register the plugins above when imported. */
export const PLUGIN_MODULES: readonly string[] = ['@x/fsimage-iso9660'];
