import { execFile } from 'node:child_process';

const PROBE_TIMEOUT_MS = 10_000;

/**
 * A command that sets the parent-death signal and then execs what follows it: nmap started
 * through it is killed with its worker, even one killed with SIGKILL (the OOM killer, a
 * container's stop timeout), which leaves no chance to stop it. Without it, nmap ignores SIGPIPE
 * and scans on, orphaned, while the scan's job is retried by another worker.
 *
 * util-linux's setpriv is in every Debian (it is Essential). The signal is the kernel's
 * PR_SET_PDEATHSIG: it survives exec, except into a set-user-ID binary or one with file
 * capabilities (`setcap cap_net_raw+eip nmap`), where the kernel clears it.
 */
export const PARENT_DEATH_LAUNCHER: readonly string[] = ['setpriv', '--pdeathsig', 'KILL', '--'];

/** setpriv's exit codes when it cannot exec its command (util-linux's EX_EXEC_FAILED/ENOENT). */
export const LAUNCHER_EXEC_FAILED = [126, 127] as const;

/**
 * PARENT_DEATH_LAUNCHER when this machine can run it (Linux, a setpriv that knows --pdeathsig),
 * otherwise null: nmap is then started directly. Probed by running Node itself through it.
 */
export function parentDeathLauncher(
  platform: NodeJS.Platform = process.platform,
): Promise<readonly string[] | null> {
  if (platform !== 'linux') return Promise.resolve(null);
  const [command, ...args] = PARENT_DEATH_LAUNCHER;
  return new Promise((resolve) => {
    try {
      execFile(
        command,
        [...args, process.execPath, '-e', ''],
        { shell: false, timeout: PROBE_TIMEOUT_MS, maxBuffer: 64 * 1024 },
        (error) => resolve(error ? null : PARENT_DEATH_LAUNCHER),
      );
    } catch {
      resolve(null);
    }
  });
}
