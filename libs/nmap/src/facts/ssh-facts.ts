import type { ScriptResult, SshFacts } from '@driftwatch/core';

import { script, scriptError, table, values } from './script-table';

/** SSH facts of one port from ssh2-enum-algos and ssh-auth-methods, or undefined when neither ran. */
export function sshFacts(scripts: readonly ScriptResult[]): SshFacts | undefined {
  const algos = script(scripts, 'ssh2-enum-algos');
  const auth = script(scripts, 'ssh-auth-methods');
  if (!algos && !auth) return undefined;
  const facts: SshFacts = {
    kexAlgorithms: values(table(algos, 'kex_algorithms')),
    hostKeyAlgorithms: values(table(algos, 'server_host_key_algorithms')),
    encryptionAlgorithms: values(table(algos, 'encryption_algorithms')),
    macAlgorithms: values(table(algos, 'mac_algorithms')),
    compressionAlgorithms: values(table(algos, 'compression_algorithms')),
    errors: [],
  };
  for (const failed of [scriptError(algos), scriptError(auth)]) if (failed) facts.errors.push(failed);
  if (auth && !scriptError(auth)) {
    facts.authMethods = values(table(auth, 'Supported authentication methods'));
  }
  return facts;
}
