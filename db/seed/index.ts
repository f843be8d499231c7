import type { Database } from "../client.js";

export interface SeedOptions {
  doctorCount: number;
  /** Same seed → same data. */
  seed?: number;
  log?: (message: string) => void;
}

export interface SeedResult {
  doctors: number;
  specialties: number;
  cities: number;
}

/** True when the database already holds demo data (so an embedded restart does not seed twice). */
export async function hasDemoData(_database: Database): Promise<boolean> {
  return Promise.resolve(false);
}

/** Demo data: specialties, cities, verified doctors with schedules, demo accounts. Deterministic. */
export async function seedDemoData(_database: Database, _opts: SeedOptions): Promise<SeedResult> {
  return Promise.resolve({ doctors: 0, specialties: 0, cities: 0 });
}
