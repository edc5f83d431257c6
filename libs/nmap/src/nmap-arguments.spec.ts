import { DriftwatchError, ErrorCode } from '@driftwatch/core';
import { buildNmapArguments, nmapIsInteractive, type NmapScanOptions } from './nmap-arguments';

const base: NmapScanOptions = {
  ports: [
    { from: 22, to: 22 },
    { from: 8000, to: 8100 },
  ],
  technique: 'syn',
  serviceDetection: false,
  reverseDns: false,
  skipHostDiscovery: true,
  hostTimeoutSeconds: 300,
  timing: 4,
};

function expectValidationError(run: () => unknown, field: string): void {
  try {
    run();
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(DriftwatchError);
    expect((error as DriftwatchError).code).toBe(ErrorCode.ValidationFailed);
    expect((error as DriftwatchError).details.fields?.map((f) => f.field)).toContain(field);
    return;
  }
  throw new Error(`expected a validation error for ${field}`);
}

describe('buildNmapArguments', () => {
  it('builds the fixed argument vector: XML to stdout, targets from stdin, no interactive keys', () => {
    expect(buildNmapArguments(base)).toEqual([
      '-sS',
      '-p',
      '22,8000-8100',
      '-n',
      '-Pn',
      '--host-timeout',
      '300s',
      '-T4',
      '--noninteractive',
      '-oX',
      '-',
      '-iL',
      '-',
    ]);
  });

  it('never carries a target: the only positional values are "-" (stdin / stdout)', () => {
    const args = buildNmapArguments({ ...base, serviceDetection: true, reverseDns: true });
    const valued = new Set(['-p', '--host-timeout', '-oX', '-iL']);
    args.forEach((arg, i) => {
      const isOptionValue = i > 0 && valued.has(args[i - 1] ?? '');
      if (!isOptionValue) expect(arg).toMatch(/^-/);
    });
    expect(args.filter((a) => a === '-')).toHaveLength(2);
    expect(args.join(' ')).not.toMatch(/127\.0\.0\.1|--script|-oN|-oG|-oA|--datadir|--resume|-iR/);
  });

  it('uses -sS for syn scans and -sT for connect scans', () => {
    expect(buildNmapArguments({ ...base, technique: 'syn' })[0]).toBe('-sS');
    const connect = buildNmapArguments({ ...base, technique: 'connect' });
    expect(connect[0]).toBe('-sT');
    expect(connect).not.toContain('-sS');
  });

  it('maps the switches: -sV for service detection, -n without reverse DNS, -Pn to skip discovery, -T3', () => {
    const on = buildNmapArguments({
      ...base,
      serviceDetection: true,
      reverseDns: true,
      skipHostDiscovery: false,
      timing: 3,
    });
    expect(on).toContain('-sV');
    expect(on).not.toContain('-n');
    expect(on).not.toContain('-Pn');
    expect(on).toContain('-T3');
    expect(buildNmapArguments(base)).not.toContain('-sV');
  });

  it('adds -6 only for an IPv6 run', () => {
    expect(buildNmapArguments(base, 'ipv6')).toContain('-6');
    expect(buildNmapArguments(base)).not.toContain('-6');
  });

  it.each([0, -1, 1.5, 86_401, Number.NaN, '30' as unknown as number])(
    'rejects host timeout %p as ValidationFailed',
    (hostTimeoutSeconds) => {
      expectValidationError(() => buildNmapArguments({ ...base, hostTimeoutSeconds }), 'hostTimeoutSeconds');
    },
  );

  it('accepts the host timeout bounds 1 and 86400', () => {
    expect(buildNmapArguments({ ...base, hostTimeoutSeconds: 1 })).toContain('1s');
    expect(buildNmapArguments({ ...base, hostTimeoutSeconds: 86_400 })).toContain('86400s');
  });

  it('asks for progress with --stats-every Ns instead of --noninteractive (which would silence it)', () => {
    const args = buildNmapArguments({ ...base, statsEverySeconds: 5 });
    expect(args).toEqual([
      '-sS',
      '-p',
      '22,8000-8100',
      '-n',
      '-Pn',
      '--host-timeout',
      '300s',
      '-T4',
      '--stats-every',
      '5s',
      '-oX',
      '-',
      '-iL',
      '-',
    ]);
    expect(nmapIsInteractive(args)).toBe(true);
    expect(nmapIsInteractive(buildNmapArguments(base))).toBe(false);
    expect(buildNmapArguments({ ...base, statsEverySeconds: 1 })).toContain('1s');
    expect(buildNmapArguments({ ...base, statsEverySeconds: 3600 })).toContain('3600s');
  });

  it.each([0, -1, 1.5, 3601, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number, null])(
    'rejects statsEverySeconds %p as ValidationFailed',
    (statsEverySeconds) => {
      expectValidationError(
        () => buildNmapArguments({ ...base, statsEverySeconds: statsEverySeconds as number }),
        'statsEverySeconds',
      );
    },
  );

  it('refuses values that would reach argv unchecked when callers bypass the types', () => {
    const untyped = (patch: Record<string, unknown>): NmapScanOptions => Object.assign({}, base, patch);
    expectValidationError(() => buildNmapArguments(untyped({ technique: '-sS --script=evil' })), 'technique');
    expectValidationError(() => buildNmapArguments(untyped({ timing: 5 })), 'timing');
    expectValidationError(() => buildNmapArguments(untyped({ ports: [] })), 'ports');
    expectValidationError(
      () => buildNmapArguments(untyped({ ports: [{ from: '22 --script=x', to: 22 }] })),
      'ports[0]',
    );
    expectValidationError(() => buildNmapArguments(untyped({ ports: [{ from: 90, to: 80 }] })), 'ports[0]');
    expectValidationError(() => buildNmapArguments(untyped({ ports: [{ from: 0, to: 70000 }] })), 'ports[0]');
    expectValidationError(() => buildNmapArguments(untyped({ reverseDns: 'yes' })), 'reverseDns');
    expectValidationError(
      () => buildNmapArguments(untyped({ statsEverySeconds: '1s --script=evil' })),
      'statsEverySeconds',
    );
  });
});
