import { readFileSync } from 'node:fs';
import type { TimestampAuthority, TimestampingOptions } from '@proofline/sequencer';
import { base64Encode } from '@proofline/note';

/** A TSA label: what proof bundles accept (records TSA_NAME_PATTERN). */
const TSA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The timestamping configuration of `proofline serve`. */
export interface TimestampingConfig {
  readonly publisher: TimestampingOptions;
  /** Each authority's name and URL, as configured (for the operator). */
  readonly authorities: readonly { readonly name: string; readonly url: string }[];
  /** The roots, base64 DER, as published for verifiers. */
  readonly roots: readonly string[];
}

/** The DER certificates of the PEM file `path` (at least one). */
export function readPemCertificates(path: string): Uint8Array[] {
  const text = readFileSync(path, 'utf8');
  const blocks = [
    ...text.matchAll(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g),
  ];
  if (blocks.length === 0) throw new Error(`--tsa-root ${path}: no PEM certificate`);
  return blocks.map((m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')));
}

/**
 * The timestamping configuration from serve's parsed flags (`tsa`, `tsa-root` lists,
 * `tsa-timeout` text; see ../table/serve.ts), or undefined when no TSA is
 * configured. Throws (a usage error) on invalid values.
 */
export function timestampingFromArgs(
  values: Record<string, unknown>,
): TimestampingConfig | undefined {
  const flags = (values.tsa as string[] | undefined) ?? [];
  const rootFiles = (values['tsa-root'] as string[] | undefined) ?? [];
  if (flags.length === 0) {
    if (rootFiles.length > 0 || values['tsa-timeout'] !== undefined) {
      throw new Error('--tsa-root and --tsa-timeout need --tsa NAME=URL');
    }
    return undefined;
  }
  if (rootFiles.length === 0) throw new Error('--tsa needs --tsa-root FILE.pem');
  const roots = rootFiles.flatMap(readPemCertificates);
  const authorities = parseTsaFlags(flags);
  let timeoutMs: number | undefined;
  if (values['tsa-timeout'] !== undefined) {
    timeoutMs = Number(values['tsa-timeout']);
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000) {
      throw new Error('--tsa-timeout must be an integer from 100 to 600000');
    }
  }
  return timestampingOf(authorities, roots, timeoutMs);
}

/** `--tsa NAME=URL` values: distinct names (TSA_NAME), http(s) URLs; throws a usage message. */
export function parseTsaFlags(flags: readonly string[]): { name: string; url: string }[] {
  const names = new Set<string>();
  return flags.map((flag) => {
    const eq = flag.indexOf('=');
    const name = flag.slice(0, eq);
    const url = flag.slice(eq + 1);
    if (eq < 1 || !TSA_NAME.test(name)) {
      throw new Error(
        `--tsa takes NAME=URL (NAME: ${TSA_NAME.source}), got ${JSON.stringify(flag)}`,
      );
    }
    if (names.has(name)) throw new Error(`--tsa ${name} given twice`);
    names.add(name);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`--tsa ${name}: invalid URL ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`--tsa ${name}: the URL must be http(s)`);
    }
    return { name, url };
  });
}

/** The configuration of `authorities` (checked names and URLs) trusting `roots` (DER). */
export function timestampingOf(
  authorities: readonly { name: string; url: string }[],
  roots: readonly Uint8Array[],
  timeoutMs?: number,
): TimestampingConfig {
  return {
    publisher: {
      authorities: authorities.map((a) => rfc3161Authority(a.name, a.url, roots, timeoutMs)),
    },
    authorities: authorities.map(({ name, url }) => ({ name, url })),
    roots: [...new Set(roots.map((r) => base64Encode(r)))],
  };
}

/**
 * The publisher's time-stamping port for one RFC 3161 TSA: @proofline/timestamp's
 * requestTimestamp, whose reply is verified (signature, chain to `roots`, imprint, nonce)
 * before it resolves; `timeoutMs` per request (its default 10 s when undefined). The module
 * is loaded on first use: a log without time-stamping never loads the ASN.1/CMS code.
 */
export function rfc3161Authority(
  name: string,
  url: string,
  roots: readonly Uint8Array[],
  timeoutMs?: number,
): TimestampAuthority {
  return {
    name,
    async timestamp(data) {
      const { requestTimestamp } = await import('@proofline/timestamp');
      const ts = await requestTimestamp(url, data, {
        trustedRoots: [...roots],
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
      return { token: ts.token, genTimeMs: ts.genTime.getTime() };
    },
  };
}
