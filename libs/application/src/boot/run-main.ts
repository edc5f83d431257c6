import { errorChain } from '@driftwatch/core';

/**
 * Entry-point wrapper: a failed boot prints its cause chain and exits non-zero. No global
 * signal or exception handlers are installed; Nest's shutdown hooks handle SIGTERM.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`driftwatch ${name}: failed to start: ${errorChain(error)}\n`);
    process.exitCode = 1;
  });
}
