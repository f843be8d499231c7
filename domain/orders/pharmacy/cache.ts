/**
 * The active catalog rows, kept in memory for typo-tolerant search (a few hundred rows). Reloaded after `ttlMs`
 * of wall time; an empty catalog is never kept, so a seed that runs after start-up shows at once.
 */
export class CatalogCache<T> {
  private rows: readonly T[] | undefined;
  private loadedAt = 0;
  private loading: Promise<readonly T[]> | undefined;

  constructor(
    private readonly load: () => Promise<T[]>,
    private readonly ttlMs = 60_000,
  ) {}

  async get(): Promise<readonly T[]> {
    if (this.rows !== undefined && performance.now() - this.loadedAt < this.ttlMs) return this.rows;
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    const rows = await this.loading;
    if (rows.length > 0) {
      this.rows = rows;
      this.loadedAt = performance.now();
    }
    return rows;
  }
}
