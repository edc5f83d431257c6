import { countPorts, formatPortRanges, parsePortSpec, portInRanges } from './ports';

describe('port specs', () => {
  it('normalises ports and ranges into sorted, merged ranges for nmap -p', () => {
    const result = parsePortSpec([443, '20-22', 23, 80, '8000-8100', 8050]);
    expect(result.ok && formatPortRanges(result.ranges)).toBe('20-23,80,443,8000-8100');
    expect(result.ok && countPorts(result.ranges)).toBe(4 + 1 + 1 + 101);
    expect(result.ok && portInRanges(8080, result.ranges)).toBe(true);
  });

  it.each([
    [[0], 0, /between 1 and 65535/],
    [[22, 65536], 1, /between 1 and 65535/],
    [[1.5], 0, /between 1 and 65535/],
    [['22-'], 0, /not a port number/],
    [['10-1'], 0, /high end below/],
    [['1-70000'], 0, /outside the port range/],
    [['22,23'], 0, /not a port number/],
  ])('refuses %j, naming entry %i', (entries, index, reason) => {
    const result = parsePortSpec(entries);
    expect(result).toEqual({ ok: false, index, reason: expect.stringMatching(reason) });
  });
});
