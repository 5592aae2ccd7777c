/**
 * Runs the independent Python RFC 9942 receipt verifier of test/interop/python (its contract is
 * documented at the top of scitt_verify.py and in test/interop/python/README.md) and its helper
 * scripts, with Debian's /usr/bin/python3 and its python3-cbor2 and python3-cryptography
 * (scripts/test-deps.sh installs them; the PATH python3 may be another build without them).
 *
 * Every function throws when Python or a module is missing ("run scripts/test-deps.sh"), when
 * a script crashes or prints something other than its documented JSON, and on a usage error
 * (exit status 2): a caller asserting that a receipt is refused can never pass because the
 * verifier did not run. Exit status 0 must come with ok: true and 1 with ok: false.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './proofline.js';

export const PYTHON = '/usr/bin/python3';
/** -E -s: no PYTHON* variables or user site (a pyenv's modules never leak in); -B: no
 * bytecode written into the repository. */
const PYTHON_FLAGS = ['-E', '-s', '-B'];
export const PYTHON_SCITT_DIR = join(REPO_ROOT, 'test/interop/python');
const VERIFY = join(PYTHON_SCITT_DIR, 'scitt_verify.py');
const MUTATE = join(PYTHON_SCITT_DIR, 'scitt_mutate.py');
const VECTORS = join(PYTHON_SCITT_DIR, 'rfc9162_vectors.py');

/** The verifier's JSON verdict; `code` is null exactly when `ok`. Hashes are lowercase hex. */
export interface PythonScittVerdict {
  readonly ok: boolean;
  readonly code: string | null;
  readonly error: string | null;
  readonly tree_size: number | null;
  readonly leaf_index: number | null;
  readonly root: string | null;
  readonly leaf_hash: string | null;
}

/** A hostile variant of a receipt (scitt_mutate.py): verify `file` with the original leaf,
 * `key` (or the original key when null) and `args`; one of `codes` must come back. */
export interface ScittMutation {
  readonly name: string;
  readonly file: string;
  readonly codes: readonly string[];
  readonly args: readonly string[];
  readonly key: string | null;
  /** Set on the tree size that leads to the same root: it verifies without `args`. */
  readonly unsigned?: true;
  readonly tree_size?: number;
  readonly original_tree_size?: number;
}

let depsChecked = false;

/** Throws unless /usr/bin/python3 can import cbor2 and cryptography. */
export function checkPythonScittDeps(): void {
  if (depsChecked) return;
  const probe = spawnSync(PYTHON, [...PYTHON_FLAGS, '-c', 'import cbor2, cryptography'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0) {
    throw new Error(
      `${PYTHON} with cbor2 and cryptography is needed (run scripts/test-deps.sh): ` +
        `${probe.error?.message ?? probe.stderr}`,
    );
  }
  depsChecked = true;
}

function runPython(
  script: string,
  args: readonly string[],
  stdin?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  checkPythonScittDeps();
  const child = spawn(PYTHON, [...PYTHON_FLAGS, script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(stdin ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function parseJson(what: string, stdout: string, stderr: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`${what} printed no JSON: ${stdout}\n${stderr}`);
  }
}

function checkVerdict(status: number | null, verdict: PythonScittVerdict, args: readonly string[]) {
  if ((status === 0 && verdict.ok && verdict.code === null) || (status === 1 && !verdict.ok)) {
    return verdict;
  }
  throw new Error(
    `scitt_verify.py ${args.join(' ')}: status ${status}, ${JSON.stringify(verdict)}`,
  );
}

/** Runs `scitt_verify.py ARGS` once; resolves to its verdict (see the module comment). */
export async function runPythonScittVerifier(args: readonly string[]): Promise<PythonScittVerdict> {
  const run = await runPython(VERIFY, args);
  const verdict = parseJson('scitt_verify.py', run.stdout, run.stderr) as PythonScittVerdict;
  return checkVerdict(run.status, verdict, args);
}

/** Runs many command lines in one interpreter (`--batch`); verdicts in the same order. */
export async function runPythonScittVerifierBatch(
  jobs: readonly (readonly string[])[],
): Promise<PythonScittVerdict[]> {
  const run = await runPython(VERIFY, ['--batch'], JSON.stringify(jobs));
  const results = parseJson('scitt_verify.py --batch', run.stdout, run.stderr) as {
    status: number;
    verdict: PythonScittVerdict;
  }[];
  if (run.status !== 0 || !Array.isArray(results) || results.length !== jobs.length) {
    throw new Error(`scitt_verify.py --batch: status ${run.status}, ${run.stdout}${run.stderr}`);
  }
  return results.map((r, i) => checkVerdict(r.status, r.verdict, jobs[i]!));
}

/** Writes the hostile variants of `receipt` into `outdir`; returns what each must yield. */
export async function pythonScittMutations(
  receipt: string,
  outdir: string,
): Promise<ScittMutation[]> {
  const run = await runPython(MUTATE, ['mutations', receipt, outdir]);
  if (run.status !== 0) throw new Error(`scitt_mutate.py failed: ${run.stderr}`);
  return parseJson('scitt_mutate.py', run.stdout, run.stderr) as ScittMutation[];
}

/** A hostile variant of a Proofline transparent statement (`scitt_mutate.py statements`):
 * `--leaf-entry proofline-record` must refuse `file` with one of `codes`. */
export interface StatementMutation {
  readonly name: string;
  readonly file: string;
  readonly codes: readonly string[];
}

/** Writes the hostile variants of the transparent statement `file` into `outdir`. */
export async function pythonStatementMutations(
  file: string,
  outdir: string,
): Promise<StatementMutation[]> {
  const run = await runPython(MUTATE, ['statements', file, outdir]);
  if (run.status !== 0) throw new Error(`scitt_mutate.py statements failed: ${run.stderr}`);
  return parseJson('scitt_mutate.py', run.stdout, run.stderr) as StatementMutation[];
}

/** Writes to `out` the transparent statement: `statement` with {394: receipts} unprotected. */
export async function makeTransparentStatement(
  statement: string,
  out: string,
  receipts: readonly string[],
): Promise<void> {
  const run = await runPython(MUTATE, ['transparent', statement, out, ...receipts]);
  if (run.status !== 0) throw new Error(`scitt_mutate.py transparent failed: ${run.stderr}`);
}

/** Writes to `out` the receipt re-signed over `rootHex` by a fresh key with protected kid
 * `kid`, and that key (PEM SPKI) to `keyOut`: the same proof from another signer. */
export async function resignReceipt(
  receipt: string,
  rootHex: string,
  out: string,
  keyOut: string,
  kid: string,
): Promise<void> {
  const run = await runPython(MUTATE, ['resign', receipt, rootHex, out, keyOut, kid]);
  if (run.status !== 0) throw new Error(`scitt_mutate.py resign failed: ${run.stderr}`);
}

export interface Rfc9162VectorReport {
  readonly ok: boolean;
  readonly files: readonly {
    file: string;
    tree_size: number | null;
    proofs: number;
    failures: string[];
  }[];
}

/** Checks the Python RFC 9162 code against x/mod tlog trees (rfc9162_vectors.py). */
export async function runRfc9162Vectors(files: readonly string[]): Promise<Rfc9162VectorReport> {
  const run = await runPython(VECTORS, files);
  const report = parseJson('rfc9162_vectors.py', run.stdout, run.stderr) as Rfc9162VectorReport;
  if (run.status !== (report.ok ? 0 : 1)) {
    throw new Error(`rfc9162_vectors.py: status ${run.status}, ${run.stdout}${run.stderr}`);
  }
  return report;
}
