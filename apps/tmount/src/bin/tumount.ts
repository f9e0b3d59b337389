#!/usr/bin/env node
import { TUMOUNT_USAGE, tumountMain } from '../umount-command.js';
import { runCommand } from './run.js';

runCommand('tumount', TUMOUNT_USAGE, tumountMain);
