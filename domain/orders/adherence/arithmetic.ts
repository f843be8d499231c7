/** Dose counts of one item (or a patient) for adherence. */
export interface DoseTally {
  taken: number;
  skipped: number;
  missed: number;
  /** Scheduled doses whose time has not come. */
  upcoming: number;
}

export type DoseStatus = "scheduled" | "taken" | "skipped" | "missed";

/**
 * Where a dose counts: answered doses as answered; a dose still scheduled counts as missed once its time
 * has passed, as upcoming before.
 */
export function classifyDose(status: DoseStatus, scheduledAt: Date, now: Date): keyof DoseTally {
  if (status !== "scheduled") return status;
  return scheduledAt.getTime() <= now.getTime() ? "missed" : "upcoming";
}

export function emptyTally(): DoseTally {
  return { taken: 0, skipped: 0, missed: 0, upcoming: 0 };
}

export function tallyDoses(doses: Iterable<{ status: DoseStatus; scheduledAt: Date }>, now: Date): DoseTally {
  const t = emptyTally();
  for (const d of doses) t[classifyDose(d.status, d.scheduledAt, now)] += 1;
  return t;
}

export function sumTallies(tallies: Iterable<DoseTally>): DoseTally {
  const t = emptyTally();
  for (const x of tallies) {
    t.taken += x.taken;
    t.skipped += x.skipped;
    t.missed += x.missed;
    t.upcoming += x.upcoming;
  }
  return t;
}

/**
 * Adherence: taken / (taken + skipped + missed), as a percentage with one decimal.
 * Null when no dose has fallen due yet (not 0, which would read as "took nothing").
 */
export function adherencePercent(t: DoseTally): number | null {
  const due = t.taken + t.skipped + t.missed;
  if (due === 0) return null;
  return Math.round((t.taken / due) * 1000) / 10;
}
