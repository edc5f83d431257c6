import { ConfigParseError } from '../config-parse-error';
import { chronyHandler, ntpHandler, parseChrony, parseNtp } from './time-sync';

const CHRONY = `# Welcome to the chrony configuration file.
pool 2.debian.pool.ntp.org iburst maxsources 4
server ntp1.example.com iburst prefer minpoll 4 maxpoll 6 nts
peer 10.0.0.2
refclock PHC /dev/ptp0 poll 3 dpoll -2 offset 0
! sourcedir /run/chrony-dhcp
sourcedir /etc/chrony/sources.d
confdir /etc/chrony/conf.d
keyfile /etc/chrony/chrony.keys
driftfile /var/lib/chrony/chrony.drift
makestep 1 3
rtcsync
allow 10.0.0.0/8
deny all
leapsectz right/UTC
`;

const NTP = `# /etc/ntpsec/ntp.conf
driftfile /var/lib/ntpsec/ntp.drift
pool 0.debian.pool.ntp.org iburst
server -4 time.example.com iburst minpoll 4 prefer
server 127.127.28.0 minpoll 4
fudge 127.127.28.0 refid GPS
refclock shm unit 0 refid PPS
restrict default kod nomodify nopeer noquery limited
restrict 127.0.0.1
`;

describe('time sync parsers', () => {
  it('reads chrony sources with their options, and every other directive', () => {
    expect(parseChrony(CHRONY)).toEqual({
      daemon: 'chrony',
      sources: [
        { type: 'pool', address: '2.debian.pool.ntp.org', options: ['iburst', 'maxsources 4'] },
        {
          type: 'server',
          address: 'ntp1.example.com',
          options: ['iburst', 'prefer', 'minpoll 4', 'maxpoll 6', 'nts'],
        },
        { type: 'peer', address: '10.0.0.2', options: [] },
        { type: 'refclock', address: 'PHC /dev/ptp0', options: ['poll 3', 'dpoll -2', 'offset 0'] },
      ],
      settings: {
        sourcedir: ['/etc/chrony/sources.d'],
        confdir: ['/etc/chrony/conf.d'],
        keyfile: ['/etc/chrony/chrony.keys'],
        driftfile: ['/var/lib/chrony/chrony.drift'],
        makestep: ['1 3'],
        rtcsync: [''],
        allow: ['10.0.0.0/8'],
        deny: ['all'],
        leapsectz: ['right/UTC'],
      },
    });
  });

  it('reads ntpd and ntpsec in the same shape, refclock pseudo-addresses as refclocks', () => {
    const facts = parseNtp(NTP);
    expect(facts.daemon).toBe('ntp');
    expect(facts.sources).toEqual([
      { type: 'pool', address: '0.debian.pool.ntp.org', options: ['iburst'] },
      { type: 'server', address: 'time.example.com', options: ['-4', 'iburst', 'minpoll 4', 'prefer'] },
      { type: 'refclock', address: '127.127.28.0', options: ['minpoll 4'] },
      { type: 'refclock', address: 'shm', options: ['unit 0', 'refid PPS'] },
    ]);
    expect(facts.settings.restrict).toEqual(['default kod nomodify nopeer noquery limited', '127.0.0.1']);
  });

  it('reads directive names case-insensitively', () => {
    expect(parseChrony('Server a.example iburst\nRTCSync\n')).toMatchObject({
      sources: [{ type: 'server', address: 'a.example' }],
      settings: { rtcsync: [''] },
    });
  });

  it('refuses sources without addresses, options without values and malformed directives', () => {
    let error: ConfigParseError | undefined;
    try {
      parseChrony(
        'server\npool x.example minpoll\nserver y.example minpoll fast\nmakestep soon\nrtcsync now\n= x\ndriftfile\nrefclock PHC\n',
      );
    } catch (e) {
      error = e as ConfigParseError;
    }
    expect(error?.kind).toBe('chrony');
    expect(error?.problems).toEqual([
      { line: 1, reason: 'server: needs an address' },
      { line: 2, reason: 'pool: option minpoll needs a value' },
      { line: 3, reason: 'server: option minpoll needs a whole number, not "fast"' },
      {
        line: 4,
        reason: 'makestep needs a threshold in seconds and a limit of updates (makestep 1.0 3), not "soon"',
      },
      { line: 5, reason: 'rtcsync takes no argument, found "now"' },
      { line: 6, reason: 'not a directive line: "= x"' },
      { line: 7, reason: 'driftfile needs an argument' },
      { line: 8, reason: 'refclock: needs a driver and its parameter (refclock PHC /dev/ptp0)' },
    ]);
  });

  it('reports added and removed sources and changed options', () => {
    const before = parseChrony('server a.example iburst\nserver b.example\n');
    const after = parseChrony('server a.example iburst minpoll 4\npool c.example\n');
    expect(chronyHandler.diff(before, after).map((c) => [c.type, c.description])).toEqual([
      ['setting-added', 'pool c.example added: (empty)'],
      ['setting-changed', 'server a.example changed from iburst to iburst minpoll 4'],
      ['setting-removed', 'server b.example removed (was (empty))'],
    ]);
    expect(ntpHandler.diff(parseNtp(NTP), parseNtp(NTP))).toEqual([]);
  });
});
