import { agentFailure, type AgentFailure } from "./agent/failure.js";
import type { Brain, Turn } from "./turn.js";

export type { Brain };

/**
 * The seam for the agent: an AgentBrain (LangChain, when an LLM is configured) goes first and the guided
 * brain answers whenever it fails, so the person always gets a reply. A failed turn is flagged for the admin
 * review with its error class and code (persist stores the flag and a note on the message); onError logs it.
 */
export class FallbackBrain implements Brain {
  readonly name: string;
  constructor(
    private readonly primary: Brain,
    private readonly fallback: Brain,
    private readonly onError: (err: unknown, failure: AgentFailure, turn: Turn) => void = () => undefined,
  ) {
    this.name = `${primary.name}+${fallback.name}`;
  }
  async respond(turn: Turn): Promise<void> {
    const before = turn.out.length;
    try {
      await this.primary.respond(turn);
    } catch (err) {
      const failure = agentFailure(err);
      turn.flagged = true;
      turn.agentFailure = failure;
      this.onError(err, failure, turn);
      turn.out.length = before;
      await this.fallback.respond(turn);
    }
  }
}
