/**
 * Entry-point wrapper: a failed boot prints its cause chain and exits non-zero. No global
 * signal or exception handlers are installed; Nest's shutdown hooks handle SIGTERM.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const lines: string[] = [];
    for (let e: unknown = error; e; e = e instanceof Error ? e.cause : undefined) {
      lines.push(e instanceof Error ? e.message : String(e));
    }
    process.stderr.write(`driftwatch ${name}: failed to start: ${lines.join(': ')}\n`);
    process.exitCode = 1;
  });
}
