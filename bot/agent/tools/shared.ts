import type { Turn } from "../../turn.js";

/**
 * What an agent run carries as LangChain's runtime context: the turn (its patient is the only actor a tool
 * ever uses). The tools are built once and shared by every turn; each call reads its turn from here.
 */
export interface AgentToolContext {
  turn: Turn;
}

/** The turn a tool call runs for (the runtime context of the agent run); throws when there is none. */
export function turnOf(runtime: { context?: unknown }): Turn {
  const turn = (runtime.context as Partial<AgentToolContext> | undefined)?.turn;
  if (!turn) throw new Error("An agent tool ran without its turn.");
  return turn;
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
