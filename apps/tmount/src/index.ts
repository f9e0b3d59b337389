/**
 * @x/tmount: direct mounts of file-system image files on user-space
 * file-system code. The commands (`tmount`, `tumount`, `tlofiadm`) are the
 * main interface; this module gives the same operations to programs.
 */
export { FS_TYPE_NAMES, type FsTypeName, pluginForType, UnknownFsTypeError } from './fstypes.js';
export { type KernelMount, kernelMountAt, kernelMounts, parseMountInfo } from './fuse/mountinfo.js';
export { CommandError, type CommandIo, UsageError } from './io.js';
export { TMOUNT_USAGE, tmountMain } from './mount-command.js';
export { MountOptionError, type MountRequestOptions, parseMountOptions } from './mount-options.js';
export { type ActiveMount, type MountPlan, startMount } from './mount-service.js';
export { PLUGIN_MODULES, PLUGINS } from './plugins.js';
export { type MountSource, resolveSpecial, SpecialError } from './special.js';
export { TUMOUNT_USAGE, tumountMain } from './umount-command.js';
