// Small services for the network lab's zones, started by test/support/lab.ts as
// `ip netns exec NS node test/lab/zone-service.js KIND ...`: a network namespace belongs to a
// process, so a service inside a zone must be a process of its own.
//
//   tls HOST PORT CERT KEY   TLS 1.0 up and every cipher (ALL:@SECLEVEL=0), an HTTP answer inside.
//                            Node rather than `openssl s_server`, which serves one connection at a
//                            time and makes nmap -sV crawl.
//   banner HOST PORT         a telnet-like listener: option negotiation and a login prompt.
const { readFileSync } = require('node:fs'); // eslint-disable-line @typescript-eslint/no-require-imports
const net = require('node:net'); // eslint-disable-line @typescript-eslint/no-require-imports
const tls = require('node:tls'); // eslint-disable-line @typescript-eslint/no-require-imports

const [kind, host, portText, cert, key] = process.argv.slice(2);
const port = Number(portText);

function tlsServer() {
  const server = tls.createServer(
    {
      cert: readFileSync(cert),
      key: readFileSync(key),
      minVersion: 'TLSv1',
      ciphers: 'ALL:@SECLEVEL=0',
    },
    (socket) => {
      socket.on('error', () => undefined);
      socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\ndriftwatch lab\n');
    },
  );
  // nmap's probes end handshakes half-way; that is not this server's failure.
  server.on('tlsClientError', () => undefined);
  return server;
}

function bannerServer() {
  return net.createServer((socket) => {
    socket.on('error', () => undefined);
    // IAC DO TERMINAL-TYPE, TERMINAL-SPEED, X-DISPLAY-LOCATION, NEW-ENVIRON
    socket.write(Buffer.from([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfd, 0x23, 0xff, 0xfd, 0x27]));
    socket.write('\r\nDebian GNU/Linux 12\r\nlogin: ');
    socket.setTimeout(5000, () => socket.destroy());
  });
}

const server = kind === 'tls' ? tlsServer() : kind === 'banner' ? bannerServer() : undefined;
if (!server || !host || !Number.isInteger(port)) {
  process.stderr.write('usage: zone-service.js tls HOST PORT CERT KEY | banner HOST PORT\n');
  process.exit(2);
}
server.on('error', (error) => {
  process.stderr.write(`zone-service ${kind}: ${error.message}\n`);
  process.exit(1);
});
server.listen(port, host);
process.on('SIGTERM', () => process.exit(0));
