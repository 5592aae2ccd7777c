import { LOG_NAME_PATTERN, type LogConfig, type Storage } from '@proofline/storage';
import { ServiceError } from './service-error.js';

/**
 * Looks up logs by name. A log's configuration is immutable but for its visibility, which
 * `proofline log-policy` may change in the database: configurations found are cached for
 * `cacheMs`, so a change made by another process applies within that time.
 */
export class LogDirectory {
  private readonly cache = new Map<string, { config: LogConfig; until: number }>();

  constructor(
    private readonly storage: Storage,
    private readonly cacheMs = 2000,
  ) {}

  /** The configuration of log `name` if a fresh one is cached (no storage read, no promise). */
  cached(name: string): LogConfig | undefined {
    const cached = this.cache.get(name);
    return cached !== undefined && cached.until > Date.now() ? cached.config : undefined;
  }

  async get(name: string): Promise<LogConfig> {
    const hit = this.cached(name);
    if (hit !== undefined) return hit;
    const now = Date.now();
    const config = LOG_NAME_PATTERN.test(name) ? await this.storage.getLog(name) : undefined;
    if (!config) throw new ServiceError('UNKNOWN_LOG', `no log named ${JSON.stringify(name)}`);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(name, { config, until: now + this.cacheMs });
    return config;
  }

  list(): Promise<LogConfig[]> {
    return this.storage.listLogs();
  }
}
