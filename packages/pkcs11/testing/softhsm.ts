import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where Debian (and derivatives) install SoftHSM2's PKCS#11 module. */
const MODULE_PATHS = [
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** SoftHSM2's module path, or why the PKCS#11 tests cannot run (for `it(..., { skip })`). */
export function softhsm(): { module: string } | { skip: string } {
  const module = MODULE_PATHS.find((p) => existsSync(p));
  if (!module || !onPath('softhsm2-util') || !onPath('pkcs11-tool')) {
    return {
      skip: 'softhsm2 or opensc is not installed (bash scripts/test-deps.sh installs them)',
    };
  }
  return { module };
}

/**
 * A SoftHSM2 token store in `dir` for one test process: writes its configuration and points
 * SOFTHSM2_CONF at it (the module reads it at C_Initialize, so every token of the process
 * lives here). Tokens and keys are made with softhsm2-util and pkcs11-tool, as an operator
 * would; PINs reach them through the environment, never argv.
 */
export class SoftHsmStore {
  readonly conf: string;

  constructor(
    readonly dir: string,
    readonly module: string,
  ) {
    mkdirSync(join(dir, 'tokens'), { recursive: true, mode: 0o700 });
    this.conf = join(dir, 'softhsm2.conf');
    writeFileSync(
      this.conf,
      `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
    process.env.SOFTHSM2_CONF = this.conf;
  }

  private env(pin: string): NodeJS.ProcessEnv {
    return { ...process.env, SOFTHSM2_CONF: this.conf, TEST_PKCS11_PIN: pin };
  }

  /** Initializes a new token labelled `label` with user PIN `pin`. */
  initToken(label: string, pin: string): void {
    // softhsm2-util takes PINs only as flags: test PINs, in a test process.
    execFileSync(
      'softhsm2-util',
      ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', `${pin}-so`],
      { env: this.env(pin), stdio: 'ignore' },
    );
  }

  /** Generates a key pair of `keyType` (default Ed25519) labelled `label` on the token. */
  generateKey(token: string, pin: string, label: string, keyType = 'EC:edwards25519'): void {
    execFileSync(
      'pkcs11-tool',
      [
        '--module',
        this.module,
        '--token-label',
        token,
        '--pin',
        'env:TEST_PKCS11_PIN',
        '--keypairgen',
        '--key-type',
        keyType,
        '--label',
        label,
      ],
      { env: this.env(pin), stdio: 'ignore' },
    );
  }
}
