#!/usr/bin/env node
import { main } from './main.js';
import { installSignalHandlers } from './signals.js';

// Ctrl-C / SIGTERM: temporary files of atomic writes are removed before exiting.
installSignalHandlers();
process.exitCode = await main(process.argv.slice(2));
