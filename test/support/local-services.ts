import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { waitFor } from './services';

const run = promisify(execFile);

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface LocalService {
  port: number;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
}

/**
 * A deliberately weak TLS endpoint on 127.0.0.1: TLS 1.0 accepted, a self-signed certificate
 * made by openssl, an HTTP answer inside. Node's TLS server (OpenSSL underneath) rather than
 * `openssl s_server`, which serves one connection at a time and makes nmap's probes crawl.
 */
export async function weakTlsServer(port: number): Promise<LocalService> {
  const dir = await mkdtemp(join(tmpdir(), 'dw-tls-'));
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '30',
    '-subj',
    '/CN=driftwatch-test',
    // An internal address among its names, as certificates of appliances often have.
    '-addext',
    'subjectAltName=DNS:driftwatch-test,IP:10.20.1.15,IP:fd00::1',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
  const server = createTlsServer(
    {
      key: await readFile(join(dir, 'key.pem')),
      cert: await readFile(join(dir, 'cert.pem')),
      minVersion: 'TLSv1',
      ciphers: 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0',
    },
    (socket) => {
      socket.on('error', () => undefined);
      socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\ndriftwatch test\n');
    },
  );
  server.on('tlsClientError', () => undefined);
  // Track raw connections: nmap leaves some half-open, and close() would wait for them.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      sockets.forEach((socket) => socket.destroy());
      await closed;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's sshd on 127.0.0.1 with password authentication on, from a throw-away config. */
export async function passwordSshServer(port: number): Promise<LocalService> {
  const dir = await mkdtemp(join(tmpdir(), 'dw-ssh-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519')]);
  await run('mkdir', ['-p', '/run/sshd']);
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    `PidFile ${join(dir, 'sshd.pid')}`,
  ].join('\n');
  await writeFile(join(dir, 'sshd_config'), `${config}\n`);
  // -D: stay in the foreground, so stopping the child stops the server.
  const child = spawn('/usr/sbin/sshd', ['-D', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  await waitFor(`sshd on ${port}`, () => listening(port), { timeoutMs: 10_000, intervalMs: 100 });
  return { port, stop: stopper(child, dir) };
}
