#!/usr/bin/env node
import { installBrokenPipeHandlers } from './broken-pipe.js';
import { main } from './main.js';
import { installSignalHandlers } from './signals.js';

// Ctrl-C / SIGTERM: temporary files of atomic writes are removed before exiting.
installSignalHandlers();
// `ncomp ... | head`: a closed stdout ends ncomp quietly (exit 141) instead of a stack trace.
installBrokenPipeHandlers();
process.exitCode = await main(process.argv.slice(2));
