/**
 * The package a command needs but the installation lacks. The light install of the CLI
 * (`npm install --omit=optional`) has the verifying commands only; the others import the
 * server's workspaces (`@proofline/server`, storage drivers, sequencer, witness) when they run,
 * and such an import fails with ERR_MODULE_NOT_FOUND naming the package.
 */
export function missingPackage(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object' || e.code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  if (typeof e.message !== 'string') return undefined;
  const m = /^Cannot find package '((?:@[a-z0-9-]+\/)?[a-z0-9._-]+)'/.exec(e.message);
  return m?.[1];
}

/** What to tell the user: the command, the package and the install command. */
export function missingPackageMessage(
  program: string,
  command: string,
  pkg: string,
  version: string,
): string {
  const spec = pkg.startsWith('@proofline/') ? `${pkg}@${version}` : pkg;
  return (
    `${program} ${command} needs ${pkg}, which is not installed ` +
    `(installs without the optional dependencies have the verifying commands only): ` +
    `npm install ${spec}`
  );
}
