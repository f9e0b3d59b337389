#!/usr/bin/env node
import { TMOUNT_USAGE, tmountMain } from '../mount-command.js';
import { runCommand } from './run.js';

runCommand('tmount', TMOUNT_USAGE, tmountMain);
