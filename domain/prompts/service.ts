import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertAdmin } from "../accounts/auth-service.js";
import type { ServiceContext } from "../context.js";
import type { Actor } from "../shared/actor.js";
import { conflict, DomainError, invalid, notFound } from "../shared/errors.js";
import { PromptsRepository, type PromptVersionRow } from "./repository.js";

/** Runs the agent over a list of user messages with a given system prompt; one answer per message. */
export interface ReplayRunner {
  run(promptText: string, userMessages: string[]): Promise<string[]>;
}

/** Where replay reads a stored conversation from (the review service). */
export interface ReplaySource {
  exchanges(actor: Actor, conversationId: number): Promise<{ user: string; replies: string[] }[]>;
}

export interface PromptFile {
  name: string;
  version: string;
  text: string;
}

export interface ReplayResult {
  promptId: number;
  conversationId: number;
  turns: { user: string; original: string[]; replay: string }[];
}

export const DEFAULT_PROMPTS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../prompts",
);
const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const FILE = /^([a-z][a-z0-9_-]*)\.(v(\d+))\.md$/;

/**
 * The agent's prompts: the defaults are versioned files (prompts/<name>.v<N>.md, the highest N wins);
 * admins' edits are database versions, at most one active per name (a partial unique index).
 */
export class PromptsService {
  private readonly repo: PromptsRepository;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly opts: {
      /** The agent that replays conversations (undefined without an LLM). */
      runner?: (() => ReplayRunner | undefined) | undefined;
      source?: ReplaySource | undefined;
      dir?: string;
    } = {},
  ) {
    this.repo = new PromptsRepository(ctx.db);
  }

  /** The prompt the agent should use now: the active database version, or the default file. */
  async active(name = "assistant"): Promise<{ id: number | null; version: string; text: string }> {
    const row = await this.repo.active(name);
    if (row) return { id: row.id, version: row.version, text: row.text };
    const file = await this.defaultFile(name);
    if (!file) throw notFound(`Prompt "${name}"`, "PROMPT_NOT_FOUND");
    return { id: null, version: file.version, text: file.text };
  }

  /** The highest-numbered prompts/<name>.v<N>.md. */
  async defaultFile(name: string): Promise<PromptFile | null> {
    if (!NAME.test(name)) return null;
    // Beside the sources (tsx, tests), else under the working directory (a build in dist/ without a copy of prompts/).
    const dirs = this.opts.dir ? [this.opts.dir] : [DEFAULT_PROMPTS_DIR, path.resolve("prompts")];
    let dir = "";
    let files: string[] = [];
    for (const candidate of dirs) {
      try {
        files = await readdir(candidate);
        dir = candidate;
        break;
      } catch {
        continue;
      }
    }
    let best: { file: string; version: string; n: number } | null = null;
    for (const f of files) {
      const m = FILE.exec(f);
      if (!m || m[1] !== name) continue;
      const n = Number(m[3]);
      if (!best || n > best.n) best = { file: f, version: m[2] ?? `v${n}`, n };
    }
    if (!best) return null;
    return { name, version: best.version, text: await readFile(path.join(dir, best.file), "utf8") };
  }

  async list(
    actor: Actor,
    name: string,
  ): Promise<{
    name: string;
    default: PromptFile | null;
    versions: PromptVersionRow[];
    activeId: number | null;
  }> {
    assertAdmin(actor);
    this.checkName(name);
    const [file, versions] = await Promise.all([this.defaultFile(name), this.repo.list(name)]);
    const active = versions.find((v) => v.activatedAt !== null && v.deactivatedAt === null);
    return { name, default: file, versions, activeId: active?.id ?? null };
  }

  async createDraft(
    actor: Actor,
    input: { name: string; text: string; version?: string | undefined },
  ): Promise<PromptVersionRow> {
    assertAdmin(actor);
    this.checkName(input.name);
    if (input.text.trim() === "") throw invalid("PROMPT_EMPTY", "The prompt text is empty.");
    const version = input.version?.trim() || `db-${(await this.repo.count(input.name)) + 1}`;
    const row = await this.repo.insert({
      name: input.name,
      version,
      text: input.text,
      authorUserId: actor.userId || null,
      createdAt: this.ctx.clock.now(),
    });
    if (!row)
      throw conflict("PROMPT_VERSION_TAKEN", `Version "${version}" of "${input.name}" already exists.`);
    await this.ctx.audit.record(actor, {
      action: "create",
      resourceType: "prompt_version",
      resourceId: row.id,
      outcome: "allowed",
    });
    return row;
  }

  async activate(actor: Actor, id: number): Promise<PromptVersionRow> {
    assertAdmin(actor);
    const existing = await this.repo.find(id);
    if (!existing) throw notFound("Prompt version", "PROMPT_NOT_FOUND");
    const now = this.ctx.clock.now();
    const row = await this.ctx.db.transaction(async (tx) => {
      await this.repo.lockName(tx, existing.name);
      await this.repo.deactivateActive(tx, existing.name, now);
      return this.repo.activate(tx, id, now);
    });
    if (!row) throw notFound("Prompt version", "PROMPT_NOT_FOUND");
    await this.ctx.audit.record(actor, {
      action: "activate",
      resourceType: "prompt_version",
      resourceId: id,
      outcome: "allowed",
    });
    return row;
  }

  /** Re-activates the version active before the current one (the latest older one ever active), or the file default. */
  async rollback(actor: Actor, name: string): Promise<{ id: number | null; version: string; text: string }> {
    assertAdmin(actor);
    this.checkName(name);
    const now = this.ctx.clock.now();
    const restored = await this.ctx.db.transaction(async (tx) => {
      await this.repo.lockName(tx, name);
      const current = await this.repo.active(name, tx);
      if (!current) throw conflict("NOTHING_TO_ROLL_BACK", `"${name}" already uses its default file.`);
      await this.repo.deactivateActive(tx, name, now);
      const previous = await this.repo.previouslyActive(tx, name, current.id);
      return previous ? ((await this.repo.activate(tx, previous.id, now)) ?? null) : null;
    });
    await this.ctx.audit.record(actor, {
      action: "rollback",
      resourceType: "prompt_version",
      resourceId: restored?.id ?? null,
      outcome: "allowed",
    });
    return this.active(name);
  }

  /** Re-runs a stored conversation's user messages against a prompt version; the answers beside the original replies. */
  async replay(actor: Actor, id: number, conversationId: number): Promise<ReplayResult> {
    assertAdmin(actor);
    const prompt = await this.repo.find(id);
    if (!prompt) throw notFound("Prompt version", "PROMPT_NOT_FOUND");
    const runner = this.opts.runner?.();
    const { source } = this.opts;
    if (!runner || !source) {
      throw new DomainError(
        "conflict",
        "LLM_NOT_CONFIGURED",
        "Replay needs a language model; none is configured (set the LLM variables, see docs/configuration).",
      );
    }
    const exchanges = await source.exchanges(actor, conversationId);
    const answers = await runner.run(
      prompt.text,
      exchanges.map((e) => e.user),
    );
    return {
      promptId: id,
      conversationId,
      turns: exchanges.map((e, i) => ({ user: e.user, original: e.replies, replay: answers[i] ?? "" })),
    };
  }

  private checkName(name: string): void {
    if (!NAME.test(name))
      throw invalid("PROMPT_NAME_INVALID", "A prompt name is lowercase letters, digits, - and _.");
  }
}
