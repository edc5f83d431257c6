import { ConfigParseError } from '../config-parse-error';
import { pamPwqualityHandler, parsePamPwquality } from './pam-pwquality';

const COLLECTED = `# file: /etc/security/pwquality.conf
# Configuration for systemwide password quality limits
minlen = 8
dcredit = -1
ucredit=-1
enforce_for_root
dictcheck = 1
# file: /etc/pam.d/common-password
password	requisite			pam_pwquality.so retry=3 minlen=14
password	[success=1 default=ignore]	pam_unix.so obscure use_authtok try_first_pass yescrypt remember=5
password	requisite			pam_deny.so
password	required			pam_permit.so
@include common-auth
`;

describe('parsePamPwquality', () => {
  it('reads pwquality.conf and the PAM password stack, module arguments overriding the file', () => {
    const facts = parsePamPwquality(COLLECTED);
    expect(facts).toMatchObject({
      settings: { minlen: '8', dcredit: '-1', ucredit: '-1', enforce_for_root: true, dictcheck: '1' },
      minlen: 14,
      dcredit: -1,
      ucredit: -1,
      retry: 3,
      enforceForRoot: true,
      dictcheck: true,
      remember: 5,
    });
    expect(facts.pamModules).toEqual([
      {
        type: 'password',
        control: 'requisite',
        module: 'pam_pwquality.so',
        args: ['retry=3', 'minlen=14'],
        file: '/etc/pam.d/common-password',
      },
      {
        type: 'password',
        control: '[success=1 default=ignore]',
        module: 'pam_unix.so',
        args: ['obscure', 'use_authtok', 'try_first_pass', 'yescrypt', 'remember=5'],
        file: '/etc/pam.d/common-password',
      },
      {
        type: 'password',
        control: 'requisite',
        module: 'pam_deny.so',
        args: [],
        file: '/etc/pam.d/common-password',
      },
      {
        type: 'password',
        control: 'required',
        module: 'pam_permit.so',
        args: [],
        file: '/etc/pam.d/common-password',
      },
      { type: '@include', control: '', module: 'common-auth', args: [], file: '/etc/pam.d/common-password' },
    ]);
  });

  it('reads pam_cracklib arguments and raises minlen to pam_unix minlen= when that is larger', () => {
    const facts = parsePamPwquality(
      'password requisite /lib/security/pam_cracklib.so retry=3 minlen=8 \\\n  ocredit=-2\npassword sufficient pam_unix.so minlen=10 sha512\n',
    );
    expect(facts).toMatchObject({ minlen: 10, retry: 3, ocredit: -2 });
  });

  it('ignores arguments of non-password lines', () => {
    expect(parsePamPwquality('auth required pam_pwquality.so minlen=20\n').minlen).toBeUndefined();
  });

  it('refuses non-numeric limits, unknown bare words and unknown PAM controls', () => {
    let error: ConfigParseError | undefined;
    try {
      parsePamPwquality(
        'minlen = twelve\nenforce_for_everyone\npassword maybe pam_pwquality.so\npassword requisite pam_pwquality.so minlen=x\n!!\n',
      );
    } catch (e) {
      error = e as ConfigParseError;
    }
    expect(error?.problems.map((p) => p.line)).toEqual([1, 2, 3, 4, 5]);
    expect(error?.problems[0].reason).toBe('minlen must be a whole number, not "twelve"');
    expect(error?.problems[3].reason).toBe('pam_pwquality.so: minlen must be a whole number, not "x"');
  });

  it('reports a changed module argument and a changed file setting', () => {
    const before = parsePamPwquality('minlen = 8\npassword requisite pam_pwquality.so retry=3 minlen=14\n');
    const after = parsePamPwquality('minlen = 12\npassword requisite pam_pwquality.so retry=3 minlen=8\n');
    expect(pamPwqualityHandler.diff(before, after).map((c) => c.description)).toEqual([
      'minlen changed from 8 to 12',
      'pam:password pam_pwquality.so changed from requisite retry=3 minlen=14 to requisite retry=3 minlen=8',
    ]);
  });
});
