import { LOG_NAME_PATTERN, type LogConfig, type Storage } from '@proofline/storage';
import { ServiceError } from './service-error.js';

/** Looks up logs by name, caching the (immutable) configurations of those found. */
export class LogDirectory {
  private readonly cache = new Map<string, LogConfig>();

  constructor(private readonly storage: Storage) {}

  async get(name: string): Promise<LogConfig> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const config = LOG_NAME_PATTERN.test(name) ? await this.storage.getLog(name) : undefined;
    if (!config) throw new ServiceError('UNKNOWN_LOG', `no log named ${JSON.stringify(name)}`);
    this.cache.set(name, config);
    return config;
  }

  list(): Promise<LogConfig[]> {
    return this.storage.listLogs();
  }
}
