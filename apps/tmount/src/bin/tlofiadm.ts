#!/usr/bin/env node
import { lofiadmMain } from '@x/lofi';

process.exitCode = lofiadmMain(process.argv.slice(2));
