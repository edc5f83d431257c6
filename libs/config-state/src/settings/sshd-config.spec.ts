import { ConfigParseError } from '../config-parse-error';
import { parseSshdConfig, sshdConfigHandler } from './sshd-config';

/** An excerpt of OpenSSH 9.2's `sshd -T` output, as Debian prints it. */
const SSHD_T = `port 22
port 2222
addressfamily any
listenaddress [::]:22
listenaddress 0.0.0.0:22
usepam yes
logingracetime 120
maxauthtries 6
maxsessions 10
clientaliveinterval 0
clientalivecountmax 3
permitrootlogin without-password
pubkeyauthentication yes
passwordauthentication yes
kbdinteractiveauthentication no
x11forwarding yes
permitemptypasswords no
allowtcpforwarding yes
loglevel INFO
subsystem sftp /usr/lib/openssh/sftp-server
ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes128-cbc
macs hmac-sha2-256-etm@openssh.com,hmac-sha1
kexalgorithms curve25519-sha256,diffie-hellman-group14-sha256
hostkeyalgorithms ssh-ed25519,rsa-sha2-512
authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2
hostkey /etc/ssh/ssh_host_rsa_key
hostkey /etc/ssh/ssh_host_ed25519_key
authenticationmethods any
allowusers alice
allowusers bob@10.0.0.0/8
`;

describe('parseSshdConfig', () => {
  it('reads sshd -T output into every setting plus typed fields', () => {
    const facts = parseSshdConfig(SSHD_T);
    expect(facts).toMatchObject({
      permitRootLogin: 'without-password',
      passwordAuthentication: true,
      kbdInteractiveAuthentication: false,
      pubkeyAuthentication: true,
      permitEmptyPasswords: false,
      x11Forwarding: true,
      usePam: true,
      authenticationMethods: [],
      ciphers: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes128-cbc'],
      macs: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha1'],
      kexAlgorithms: ['curve25519-sha256', 'diffie-hellman-group14-sha256'],
      hostKeyAlgorithms: ['ssh-ed25519', 'rsa-sha2-512'],
      ports: [22, 2222],
      listenAddresses: ['[::]:22', '0.0.0.0:22'],
      maxAuthTries: 6,
      maxSessions: 10,
      loginGraceTime: 120,
      clientAliveInterval: 0,
      clientAliveCountMax: 3,
      logLevel: 'INFO',
      allowTcpForwarding: 'yes',
      allowUsers: ['alice', 'bob@10.0.0.0/8'],
      matchBlocks: [],
    });
    expect(facts.settings.hostkey).toEqual(['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ed25519_key']);
    expect(facts.settings.subsystem).toEqual(['sftp /usr/lib/openssh/sftp-server']);
    expect(facts.settings.authorizedkeysfile).toEqual(['.ssh/authorized_keys', '.ssh/authorized_keys2']);
    expect(facts.settings.addressfamily).toBe('any');
    expect(facts.keywordSpelling).toBeUndefined();
  });

  it('splits AuthenticationMethods into the alternative lists a user must pass', () => {
    expect(
      parseSshdConfig('authenticationmethods publickey,password publickey,keyboard-interactive:pam\n')
        .authenticationMethods,
    ).toEqual([
      ['publickey', 'password'],
      ['publickey', 'keyboard-interactive:pam'],
    ]);
  });

  it('reads an sshd_config file: any keyword case, comments, "=", and Match blocks kept apart', () => {
    const facts = parseSshdConfig(
      [
        '# Hardened',
        'Include /etc/ssh/sshd_config.d/*.conf',
        'PermitRootLogin no',
        'PasswordAuthentication=no   # keys only',
        'LoginGraceTime 1m30s',
        'AllowUsers alice bob',
        'AllowUsers carol',
        'Ciphers +aes128-cbc',
        'Banner "/etc/issue.net"',
        '',
        'Match User backup Address 10.0.0.0/8',
        '    PasswordAuthentication yes',
        '    X11Forwarding no',
        'Match all',
        '    MaxAuthTries 3',
      ].join('\n'),
    );
    expect(facts).toMatchObject({
      permitRootLogin: 'no',
      passwordAuthentication: false,
      loginGraceTime: 90,
      allowUsers: ['alice', 'bob', 'carol'],
      ciphers: ['aes128-cbc'],
      banner: '/etc/issue.net',
      matchBlocks: [
        {
          criteria: 'User backup Address 10.0.0.0/8',
          settings: { passwordauthentication: 'yes', x11forwarding: 'no' },
        },
        { criteria: 'all', settings: { maxauthtries: '3' } },
      ],
      keywordSpelling: {
        permitrootlogin: 'PermitRootLogin',
        passwordauthentication: 'PasswordAuthentication',
      },
    });
    expect(facts.settings.include).toEqual(['/etc/ssh/sshd_config.d/*.conf']);
    expect(facts.settings.ciphers).toEqual(['+aes128-cbc']);
    expect(facts.maxAuthTries).toBeUndefined();
    expect(facts.x11Forwarding).toBeUndefined();
  });

  it('types what a Match block puts in force over the global settings, for rules to judge each block', () => {
    const facts = parseSshdConfig(
      [
        'PermitRootLogin no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'AuthenticationMethods publickey',
        'Ciphers aes256-ctr',
        'Match Address 10.9.0.0/16',
        '  PermitRootLogin Yes',
        '  PasswordAuthentication yes',
        '  AuthenticationMethods any',
        'Match User backup',
        '  X11Forwarding yes',
        '',
      ].join('\n'),
    );
    expect(facts.matchBlocks.map((b) => b.effective)).toEqual([
      {
        permitRootLogin: 'yes',
        passwordAuthentication: true,
        kbdInteractiveAuthentication: false,
        authenticationMethods: [],
      },
      {
        permitRootLogin: 'no',
        passwordAuthentication: false,
        kbdInteractiveAuthentication: false,
        authenticationMethods: [['publickey']],
        x11Forwarding: true,
      },
    ]);
    // The global facts stay the file's global section.
    expect(facts).toMatchObject({
      permitRootLogin: 'no',
      passwordAuthentication: false,
      ciphers: ['aes256-ctr'],
    });
  });

  it('keeps the first value of a single-valued keyword given twice, as sshd does', () => {
    expect(parseSshdConfig('PermitRootLogin no\nPermitRootLogin yes\n').permitRootLogin).toBe('no');
  });

  it('gives no typed list for a "-" cipher list, which only removes from defaults it cannot know', () => {
    const facts = parseSshdConfig('Ciphers -aes128-cbc\n');
    expect(facts.ciphers).toBeUndefined();
    expect(facts.settings.ciphers).toEqual(['-aes128-cbc']);
  });

  it('reads the deprecated ChallengeResponseAuthentication as keyboard-interactive', () => {
    expect(parseSshdConfig('ChallengeResponseAuthentication yes\n').kbdInteractiveAuthentication).toBe(true);
  });

  // sshd reads an alias as the option it names: of an alias and its option, the first line wins.
  // Keyed by spelling, the later "KbdInteractiveAuthentication no" used to win and hide the yes.
  it('lets the first of an alias and the option it names win, in the file and in a Match block', () => {
    const facts = parseSshdConfig(
      [
        'ChallengeResponseAuthentication yes',
        'KbdInteractiveAuthentication no',
        'DSAAuthentication no',
        'PubkeyAuthentication yes',
        'PubkeyAcceptedKeyTypes ssh-ed25519',
        'PubkeyAcceptedAlgorithms rsa-sha2-512',
        'Match Address 10.9.0.0/16',
        '  SkeyAuthentication no',
        '  KbdInteractiveAuthentication yes',
        '',
      ].join('\n'),
    );
    expect(facts).toMatchObject({
      kbdInteractiveAuthentication: true,
      pubkeyAuthentication: false,
      pubkeyAcceptedAlgorithms: ['ssh-ed25519'],
    });
    expect(facts.settings).toMatchObject({ kbdinteractiveauthentication: 'yes', pubkeyauthentication: 'no' });
    expect(facts.keywordSpelling).toMatchObject({
      kbdinteractiveauthentication: 'ChallengeResponseAuthentication',
    });
    expect(facts.matchBlocks[0]?.effective?.kbdInteractiveAuthentication).toBe(false);
  });

  it('refuses wrong values, naming every line and keyword', () => {
    const content = [
      'passwordauthentication maybe',
      'port 22',
      'port ssh',
      'permitrootlogin sometimes',
      'maxauthtries many',
      'logingracetime soon',
      'ciphers aes128-ctr,,aes256-ctr',
      'x11forwarding',
      'Match Nobody here',
      'loglevel LOUD',
      '{ not a keyword',
      'authenticationmethods publickey,,password',
    ].join('\n');
    let error: unknown;
    try {
      parseSshdConfig(content);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigParseError);
    expect((error as ConfigParseError).problems.map((p) => p.line)).toEqual([
      1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ]);
    const message = (error as ConfigParseError).message;
    expect(message).toContain('line 1: passwordauthentication must be yes or no, not "maybe"');
    expect(message).toContain('line 3: port must be a port number 1-65535, not "ssh"');
    expect(message).toContain('line 8: x11forwarding has no value');
    expect(message).toContain('line 9: Match: unknown criterion "Nobody"');
  });

  it('refuses an empty document, a blank one and binary content', () => {
    expect(() => parseSshdConfig('')).toThrow('the document is empty');
    expect(() => parseSshdConfig('\n  \n# only comments\n')).toThrow(ConfigParseError);
    expect(() => parseSshdConfig('port 22\nport\u0000 22\n')).toThrow('line 2: binary content');
  });

  it('reports a changed setting with the keyword as the file spells it, and Match block changes by block', () => {
    const before = parseSshdConfig(
      'PasswordAuthentication no\nMatch User backup\n  PasswordAuthentication no\n',
    );
    const after = parseSshdConfig(
      'PasswordAuthentication yes\nMatch User backup\n  PasswordAuthentication yes\n',
    );
    expect(sshdConfigHandler.diff(before, after).map((c) => [c.path, c.description])).toEqual([
      [
        'Match User backup/passwordauthentication',
        'Match User backup: PasswordAuthentication changed from no to yes',
      ],
      ['passwordauthentication', 'PasswordAuthentication changed from no to yes'],
    ]);
  });

  it('reports cipher list changes of sshd -T output as lists', () => {
    const before = parseSshdConfig('ciphers aes128-ctr,aes256-ctr\n');
    const after = parseSshdConfig('ciphers aes128-ctr,aes256-ctr,aes128-cbc\n');
    expect(sshdConfigHandler.diff(before, after)).toEqual([
      {
        type: 'setting-changed',
        path: 'ciphers',
        from: ['aes128-ctr', 'aes256-ctr'],
        to: ['aes128-ctr', 'aes256-ctr', 'aes128-cbc'],
        description: 'ciphers changed from aes128-ctr,aes256-ctr to aes128-ctr,aes256-ctr,aes128-cbc',
      },
    ]);
  });
});
