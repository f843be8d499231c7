import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ConversationDetail } from "../../domain/review/service.js";
import type { ConversationSummaryRow } from "../../domain/review/repository.js";
import type { PromptVersionRow } from "../../domain/prompts/repository.js";
import type { TakeoverState } from "../../domain/conversations/takeover.js";
import { actorOf } from "../plugins/auth.js";
import { bearer, described, errorsIn, Id, IsoDate, Page } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/review/", "domain/prompts/", "domain/conversations/takeover.ts");

const Json = Type.Unknown();
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const ConversationSummary = Type.Object({
  id: Type.Integer(),
  user_id: Nullable(Type.Integer()),
  patient_id: Nullable(Type.Integer()),
  channel: Type.String(),
  flagged: Type.Boolean(),
  message_count: Type.Integer(),
  human_requested: Type.Boolean(),
  tool_failed: Type.Boolean(),
  model_failed: Type.Boolean(),
  taken_over_by_user_id: Nullable(Type.Integer()),
  taken_over_at: Nullable(Type.String()),
  created_at: Type.String(),
  last_activity_at: Type.String(),
  closed_at: Nullable(Type.String()),
});

const Annotation = Type.Object({
  id: Type.Integer(),
  message_id: Nullable(Type.Integer()),
  author_user_id: Nullable(Type.Integer()),
  text: Type.String(),
  created_at: Type.String(),
});

const ConversationDetailSchema = Type.Object({
  conversation: ConversationSummary,
  outcome: Type.String(),
  flag: Nullable(
    Type.Object({
      reason: Nullable(Type.String()),
      flagged_by_user_id: Nullable(Type.Integer()),
      flagged_at: Type.String(),
    }),
  ),
  messages: Type.Array(
    Type.Object({
      id: Type.Integer(),
      direction: Type.String(),
      channel: Type.String(),
      staff: Type.Boolean({ description: "Written by an admin who took the conversation over." }),
      text: Nullable(Type.String()),
      payload: Json,
      delivered_at: Nullable(Type.String()),
      send_error: Nullable(Type.String()),
      created_at: Type.String(),
    }),
  ),
  tool_calls: Type.Array(
    Type.Object({
      id: Type.Integer(),
      message_id: Nullable(Type.Integer()),
      name: Type.String(),
      args: Json,
      result: Json,
      error: Nullable(Type.String()),
      duration_ms: Type.Integer(),
      created_at: Type.String(),
    }),
  ),
  support_tickets: Type.Array(
    Type.Object({
      id: Type.Integer(),
      reason: Type.String(),
      urgent: Type.Boolean(),
      status: Type.String(),
      created_at: Type.String(),
    }),
  ),
  annotations: Type.Array(Annotation),
});

const PromptVersion = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  version: Type.String(),
  text: Type.String(),
  author_user_id: Nullable(Type.Integer()),
  created_at: Type.String(),
  activated_at: Nullable(Type.String()),
  deactivated_at: Nullable(Type.String()),
  active: Type.Boolean(),
});

const ActivePrompt = Type.Object({
  id: Nullable(Type.Integer()),
  version: Type.String(),
  text: Type.String(),
});
const PromptName = Type.String({ pattern: "^[a-z][a-z0-9_-]{0,63}$" });

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function summaryView(c: ConversationSummaryRow) {
  return {
    id: c.id,
    user_id: c.userId,
    patient_id: c.patientId,
    channel: c.channel,
    flagged: c.flagged,
    message_count: c.messageCount,
    human_requested: c.humanRequested,
    tool_failed: c.toolFailed,
    model_failed: c.modelFailed,
    taken_over_by_user_id: c.takenOverBy,
    taken_over_at: iso(c.takenOverAt),
    created_at: c.createdAt.toISOString(),
    last_activity_at: c.lastActivityAt.toISOString(),
    closed_at: iso(c.closedAt),
  };
}

function annotationView(a: ConversationDetail["annotations"][number]) {
  return {
    id: a.id,
    message_id: a.messageId,
    author_user_id: a.authorUserId,
    text: a.text,
    created_at: a.createdAt.toISOString(),
  };
}

function detailView(d: ConversationDetail) {
  return {
    conversation: summaryView(d.conversation),
    outcome: d.outcome,
    flag: d.flag
      ? {
          reason: d.flag.reason,
          flagged_by_user_id: d.flag.flaggedByUserId,
          flagged_at: d.flag.flaggedAt.toISOString(),
        }
      : null,
    messages: d.messages.map((m) => ({
      id: m.id,
      direction: m.direction,
      channel: m.channel,
      staff: m.payload.staff === true,
      text: m.text,
      payload: m.payload,
      delivered_at: iso(m.deliveredAt),
      send_error: m.sendError,
      created_at: m.createdAt.toISOString(),
    })),
    tool_calls: d.toolCalls.map((c) => ({
      id: c.id,
      message_id: c.messageId,
      name: c.name,
      args: c.args,
      result: c.result ?? null,
      error: c.error,
      duration_ms: c.durationMs,
      created_at: c.createdAt.toISOString(),
    })),
    support_tickets: d.tickets.map((s) => ({
      id: s.id,
      reason: s.reason,
      urgent: s.urgent,
      status: s.status,
      created_at: s.createdAt.toISOString(),
    })),
    annotations: d.annotations.map(annotationView),
  };
}

function promptView(p: PromptVersionRow) {
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    text: p.text,
    author_user_id: p.authorUserId,
    created_at: p.createdAt.toISOString(),
    activated_at: iso(p.activatedAt),
    deactivated_at: iso(p.deactivatedAt),
    active: p.activatedAt !== null && p.deactivatedAt === null,
  };
}

/** The admin review tool: conversations (read, flag, annotate, export) and the agent's prompt versions. */
export const reviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { review, prompts, conversations } = app.services;
  const admin = app.requireRole("admin");
  const ConversationParams = Type.Object({ id: Id });

  app.get(
    "/api/admin/conversations",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "listConversations",
        summary: "List the agent's conversations for review",
        security: bearer,
        querystring: Type.Object({
          channel: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 32,
              description: "Only conversations on this channel (web, sms …).",
            }),
          ),
          q: Type.Optional(
            Type.String({ maxLength: 200, description: "Words the conversation's messages contain." }),
          ),
          from: Type.Optional(described(IsoDate, "Conversations active on or after this date (UTC).")),
          to: Type.Optional(described(IsoDate, "Conversations active on or before this date (UTC).")),
          flagged: Type.Optional(
            Type.Boolean({ description: "Only flagged (true) or unflagged (false) ones." }),
          ),
          human_requested: Type.Optional(
            Type.Boolean({ description: "Only those with (true) or without (false) a hand-off ticket." }),
          ),
          tool_failed: Type.Optional(
            Type.Boolean({ description: "Only those with (true) or without (false) a failed tool call." }),
          ),
          model_failed: Type.Optional(
            Type.Boolean({
              description: "Only those where the model failed a turn (true) or never did (false).",
            }),
          ),
          taken_over: Type.Optional(
            Type.Boolean({ description: "Only those an admin has taken over (true) or not (false)." }),
          ),
          page: Page,
          per_page: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
        response: {
          200: Type.Object({
            conversations: Type.Array(ConversationSummary),
            total: Type.Integer(),
            page: Type.Integer(),
            per_page: Type.Integer(),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const { conversations, total } = await review.list(actorOf(request), {
        channel: q.channel,
        q: q.q,
        from: q.from,
        to: q.to,
        flagged: q.flagged,
        humanRequested: q.human_requested,
        toolFailed: q.tool_failed,
        modelFailed: q.model_failed,
        takenOver: q.taken_over,
        page: q.page,
        perPage: q.per_page,
      });
      return { conversations: conversations.map(summaryView), total, page: q.page, per_page: q.per_page };
    },
  );

  app.get(
    "/api/admin/conversations/:id",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "getConversation",
        summary: "A conversation: messages, tool calls, outcome, annotations",
        security: bearer,
        params: ConversationParams,
        response: { 200: ConversationDetailSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => detailView(await review.detail(actorOf(request), request.params.id)),
  );

  app.get(
    "/api/admin/conversations/:id/export",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "exportConversation",
        summary: "Download a whole conversation as JSON",
        security: bearer,
        params: ConversationParams,
        response: { 200: ConversationDetailSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const data = detailView(await review.export(actorOf(request), request.params.id));
      return reply
        .header("content-disposition", `attachment; filename="conversation-${request.params.id}.json"`)
        .send(data);
    },
  );

  app.get(
    "/api/admin/tickets",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "listTickets",
        summary: 'The "talk to a human" tickets: open ones (urgent first, oldest first) or answered ones',
        security: bearer,
        querystring: Type.Object({
          status: Type.Union([Type.Literal("open"), Type.Literal("answered")], {
            default: "open",
            description: "Open tickets, or answered ones.",
          }),
          page: Page,
          per_page: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
        response: {
          200: Type.Object({
            tickets: Type.Array(
              Type.Object({
                id: Type.Integer(),
                conversation_id: Type.Integer(),
                reason: Type.String(),
                urgent: Type.Boolean(),
                status: Type.String(),
                created_at: Type.String({ format: "date-time" }),
              }),
            ),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const tickets = await review.tickets(actorOf(request), {
        status: q.status,
        page: q.page,
        perPage: q.per_page,
      });
      return {
        tickets: tickets.map((s) => ({
          id: s.id,
          conversation_id: s.conversationId,
          reason: s.reason,
          urgent: s.urgent,
          status: s.status,
          created_at: s.createdAt.toISOString(),
        })),
      };
    },
  );

  app.post(
    "/api/admin/tickets/:id/answer",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "answerTicket",
        summary: "Answer a ticket: the answer reaches the person on their channel",
        security: bearer,
        params: ConversationParams,
        body: Type.Object(
          { answer: Type.String({ minLength: 1, maxLength: 2000, pattern: "\\S" }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await review.answerTicket(actorOf(request), request.params.id, request.body.answer);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/admin/conversations/:id/flag",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "flagConversation",
        summary: "Flag or unflag a conversation",
        security: bearer,
        params: ConversationParams,
        body: Type.Object(
          { flagged: Type.Boolean(), reason: Type.Optional(Type.String({ maxLength: 2000 })) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await review.setFlag(actorOf(request), request.params.id, request.body.flagged, request.body.reason);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/admin/conversations/:id/annotations",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "annotateConversation",
        summary: "Add a note to a conversation (or to one of its messages)",
        security: bearer,
        params: ConversationParams,
        body: Type.Object(
          {
            text: Type.String({ minLength: 1, maxLength: 10000, pattern: "\\S" }),
            message_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ annotation: Annotation }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const row = await review.annotate(actorOf(request), request.params.id, {
        text: request.body.text,
        messageId: request.body.message_id,
      });
      return reply.status(201).send({ annotation: annotationView(row) });
    },
  );

  const TakeoverView = Type.Object({
    conversation_id: Type.Integer(),
    taken_over_by_user_id: Nullable(Type.Integer()),
    taken_over_at: Nullable(Type.String()),
  });
  const takeoverView = (r: TakeoverState) => ({
    conversation_id: r.conversationId,
    taken_over_by_user_id: r.takenOverBy,
    taken_over_at: iso(r.takenOverAt),
  });

  app.post(
    "/api/admin/conversations/:id/takeover",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "takeOverConversation",
        summary: "Take a conversation over: the agent pauses and the admin answers the person",
        description:
          "Until it is handed back, the person's messages are stored and not answered by the agent (an emergency " +
          "is still answered); the admin writes with sendConversationMessage.",
        security: bearer,
        params: ConversationParams,
        response: { 200: TakeoverView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      takeoverView(await conversations.takeover.takeOver(actorOf(request), request.params.id)),
  );

  app.post(
    "/api/admin/conversations/:id/handback",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "handBackConversation",
        summary: "Hand a taken-over conversation back to the agent",
        security: bearer,
        params: ConversationParams,
        response: { 200: TakeoverView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      takeoverView(await conversations.takeover.handBack(actorOf(request), request.params.id)),
  );

  app.post(
    "/api/admin/conversations/:id/messages",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "sendConversationMessage",
        summary: "Write to the person of a taken-over conversation, on their channel",
        security: bearer,
        params: ConversationParams,
        body: Type.Object(
          {
            text: Type.String({
              minLength: 1,
              maxLength: 2000,
              pattern: "\\S",
              description: "The message, as the person will read it.",
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ message_id: Type.Integer(), channel: Type.String() }),
          ...errors(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const r = await conversations.takeover.reply(actorOf(request), request.params.id, request.body.text);
      return reply.status(201).send({ message_id: r.id, channel: r.channel });
    },
  );

  app.get(
    "/api/admin/prompts",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "getPrompt",
        summary: "A prompt's default file version and its edited versions",
        security: bearer,
        querystring: Type.Object({
          name: Type.Optional(
            described(PromptName, "The prompt's name (default: the agent's system prompt)."),
          ),
        }),
        response: {
          200: Type.Object({
            name: Type.String(),
            default: Nullable(Type.Object({ version: Type.String(), text: Type.String() })),
            versions: Type.Array(PromptVersion),
            active_id: Nullable(Type.Integer()),
            active_version: Nullable(Type.String()),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const r = await prompts.list(actorOf(request), request.query.name ?? "assistant");
      const active = r.versions.find((v) => v.id === r.activeId);
      return {
        name: r.name,
        default: r.default ? { version: r.default.version, text: r.default.text } : null,
        versions: r.versions.map(promptView),
        active_id: r.activeId,
        active_version: active?.version ?? r.default?.version ?? null,
      };
    },
  );

  app.post(
    "/api/admin/prompts",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "savePromptDraft",
        summary: "Save a draft prompt version",
        security: bearer,
        body: Type.Object(
          {
            name: PromptName,
            text: Type.String({ minLength: 1, maxLength: 100000 }),
            version: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: "\\S" })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ prompt: PromptVersion }), ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send({ prompt: promptView(await prompts.createDraft(actorOf(request), request.body)) }),
  );

  app.post(
    "/api/admin/prompts/:id/activate",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "activatePromptVersion",
        summary: "Make a prompt version the active one",
        security: bearer,
        params: Type.Object({ id: Id }),
        response: { 200: Type.Object({ prompt: PromptVersion }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({ prompt: promptView(await prompts.activate(actorOf(request), request.params.id)) }),
  );

  app.post(
    "/api/admin/prompts/rollback",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "rollbackPrompt",
        summary: "Re-activate the previously active version (or the default file)",
        security: bearer,
        body: Type.Object({ name: PromptName }, { additionalProperties: false }),
        response: { 200: Type.Object({ active: ActivePrompt }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({ active: await prompts.rollback(actorOf(request), request.body.name) }),
  );

  app.post(
    "/api/admin/prompts/:id/replay",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "replayPromptVersion",
        summary: "Re-run a stored conversation's user messages against a prompt version",
        security: bearer,
        params: Type.Object({ id: Id }),
        body: Type.Object({ conversation_id: Id }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            prompt_id: Type.Integer(),
            conversation_id: Type.Integer(),
            turns: Type.Array(
              Type.Object({
                user: Type.String(),
                original: Type.Array(Type.String()),
                replay: Type.String(),
              }),
            ),
          }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const r = await prompts.replay(actorOf(request), request.params.id, request.body.conversation_id);
      return { prompt_id: r.promptId, conversation_id: r.conversationId, turns: r.turns };
    },
  );
};
