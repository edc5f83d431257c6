import { nmapVersion, parseNmapVersion } from './nmap-version';

describe('nmap version', () => {
  it('reads the version from `nmap --version` output', () => {
    expect(
      parseNmapVersion('\nNmap version 7.93 ( https://nmap.org )\nPlatform: x86_64-pc-linux-gnu\n'),
    ).toBe('7.93');
    expect(parseNmapVersion('Nmap version 7.94SVN ( https://nmap.org )')).toBe('7.94SVN');
  });

  it('returns null for output that is not nmap', () => {
    expect(parseNmapVersion('GNU bash, version 5.2')).toBeNull();
    expect(parseNmapVersion('')).toBeNull();
  });

  it('returns null, not an exception, for a binary that cannot be run', async () => {
    await expect(nmapVersion('/nonexistent/driftwatch/nmap')).resolves.toBeNull();
    await expect(nmapVersion('')).resolves.toBeNull();
  });
});
