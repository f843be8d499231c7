import type { Turn } from "../../turn.js";

/** What an agent tool needs: the turn (its patient is the only actor a tool ever uses). */
export interface AgentToolContext {
  turn: Turn;
}

/** A domain error becomes a short sentence for the model (never a stack, never another person's data). */
export async function safely(run: () => Promise<string>): Promise<string> {
  try {
    return await run();
  } catch (err) {
    const { code, kind } = err as { code?: unknown; kind?: unknown };
    if (kind === "not_found" || kind === "forbidden") return "Not found.";
    if (typeof code === "string") return `That did not work (${code.toLowerCase()}).`;
    throw err;
  }
}
