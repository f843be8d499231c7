import { and, asc, desc, eq, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { promptVersions } from "../../db/schema/index.js";

export type PromptVersionRow = typeof promptVersions.$inferSelect;

const isActive = and(isNotNull(promptVersions.activatedAt), isNull(promptVersions.deactivatedAt));

/** The only place the prompts module touches the database. */
export class PromptsRepository {
  constructor(private readonly db: DbOrTx) {}

  async list(name: string): Promise<PromptVersionRow[]> {
    return this.db
      .select()
      .from(promptVersions)
      .where(eq(promptVersions.name, name))
      .orderBy(asc(promptVersions.id));
  }

  async find(id: number, db: DbOrTx = this.db): Promise<PromptVersionRow | undefined> {
    const [row] = await db.select().from(promptVersions).where(eq(promptVersions.id, id)).limit(1);
    return row;
  }

  async active(name: string, db: DbOrTx = this.db): Promise<PromptVersionRow | undefined> {
    const [row] = await db
      .select()
      .from(promptVersions)
      .where(and(eq(promptVersions.name, name), isActive))
      .limit(1);
    return row;
  }

  async count(name: string): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(promptVersions)
      .where(eq(promptVersions.name, name));
    return row?.n ?? 0;
  }

  /** Null when the (name, version) label is taken. */
  async insert(values: typeof promptVersions.$inferInsert): Promise<PromptVersionRow | null> {
    const [row] = await this.db.insert(promptVersions).values(values).onConflictDoNothing().returning();
    return row ?? null;
  }

  /** Serialises activations of one name (inside a transaction). */
  async lockName(db: DbOrTx, name: string): Promise<void> {
    await db.execute(sql`select pg_advisory_xact_lock(hashtext(${"prompt:" + name}))`);
  }

  async deactivateActive(db: DbOrTx, name: string, now: Date): Promise<void> {
    await db
      .update(promptVersions)
      .set({ deactivatedAt: now })
      .where(and(eq(promptVersions.name, name), isActive));
  }

  async activate(db: DbOrTx, id: number, now: Date): Promise<PromptVersionRow | undefined> {
    const [row] = await db
      .update(promptVersions)
      .set({ activatedAt: now, deactivatedAt: null })
      .where(eq(promptVersions.id, id))
      .returning();
    return row;
  }

  /** The latest older version of this name that was ever active: where a rollback goes. */
  async previouslyActive(db: DbOrTx, name: string, beforeId: number): Promise<PromptVersionRow | undefined> {
    const [row] = await db
      .select()
      .from(promptVersions)
      .where(
        and(
          eq(promptVersions.name, name),
          isNotNull(promptVersions.activatedAt),
          lt(promptVersions.id, beforeId),
        ),
      )
      .orderBy(desc(promptVersions.id))
      .limit(1);
    return row;
  }
}
