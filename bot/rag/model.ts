import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "langchain";
import type { RagAnswerModel } from "../../domain/rag/ports.js";
import { chatModel, type LlmConfig } from "../agent/brain.js";

/** The records question-answering's model port over any LangChain chat model (ChatOpenAI by default). */
export class LangChainRagModel implements RagAnswerModel {
  constructor(
    private readonly chat: BaseChatModel,
    readonly model: string,
  ) {}

  async complete(system: string, user: string): Promise<string> {
    const answer = await this.chat.invoke([new SystemMessage(system), new HumanMessage(user)]);
    const c = answer.content;
    if (typeof c === "string") return c;
    return c
      .map((p) => (typeof p === "object" && "text" in p && typeof p.text === "string" ? p.text : ""))
      .join("");
  }
}

export function ragModel(llm: LlmConfig | undefined): RagAnswerModel | undefined {
  return llm ? new LangChainRagModel(chatModel(llm), llm.model) : undefined;
}
