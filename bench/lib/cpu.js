'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build */
// CPU time of processes, from /proc (Linux): how a load run's work splits between the server,
// PostgreSQL and the load tool, which share the machine's cores.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** User + system CPU seconds a process has used, or 0 once it is gone. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The pids of every PostgreSQL process (postmaster, backends, background workers). */
function postgresPids() {
  return fs.readdirSync('/proc').filter((name) => {
    if (!/^\d+$/.test(name)) return false;
    try {
      return fs.readFileSync(`/proc/${name}/comm`, 'utf8').trim() === 'postgres';
    } catch {
      return false;
    }
  });
}

/**
 * Runs `work` and returns its result with the CPU seconds used meanwhile by `pid` (the server),
 * by PostgreSQL, and by this process (the load tool runs in it).
 */
async function cpuDuring(pid, work) {
  const pgBefore = new Map(postgresPids().map((p) => [p, cpuSeconds(p)]));
  const serverBefore = cpuSeconds(pid);
  const selfBefore = process.cpuUsage();
  const result = await work();
  const self = process.cpuUsage(selfBefore);
  let postgres = 0;
  for (const p of postgresPids()) postgres += cpuSeconds(p) - (pgBefore.get(p) ?? 0);
  return {
    result,
    cpu: { server: cpuSeconds(pid) - serverBefore, postgres, loadTool: (self.user + self.system) / 1e6 },
  };
}

module.exports = { cpuDuring };
