import type { FastifyPluginAsync } from "fastify";
import { handleTeamsTurn } from "../../bot/doctor-teams/handler.js";
import { TeamsInboundAuth, TeamsAuthError } from "../../channels/teams/auth.js";
import { TeamsConnector } from "../../channels/teams/client.js";
import { parseInbound, renderTeams } from "../../channels/teams/render.js";
import { loggableError } from "../../domain/shared/errors.js";
import { errorBody } from "../plugins/errors.js";

interface Activity {
  type?: unknown;
  id?: unknown;
  name?: unknown;
  channelId?: unknown;
  serviceUrl?: unknown;
  text?: unknown;
  value?: unknown;
  from?: { id?: unknown; aadObjectId?: unknown };
  conversation?: { id?: unknown; tenantId?: unknown };
  channelData?: { tenant?: { id?: unknown } };
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * POST /api/messages — the Microsoft Teams channel for clinicians, only when TEAMS_APP_ID, TEAMS_APP_PASSWORD
 * and TEAMS_TENANT_ID are set (otherwise the route does not exist). The Bot Framework JWT is checked first
 * (channels/teams/auth.ts): unsigned, wrongly signed, expired, for another app or another serviceUrl → 401 and
 * nothing processed. Then activities are taken once (by id), the turn runs (bot/doctor-teams) and the reply goes
 * through the Bot Connector to the activity's serviceUrl; the answer is 200 (an invoke gets its invoke
 * response). A reply that cannot be sent is logged, not retried by a 5xx: the command has been applied.
 */
export const teamsWebhook: FastifyPluginAsync = async (app) => {
  const settings = app.deps.config.teams;
  if (!settings) return;
  const now = () => app.deps.clock.now();
  const auth = new TeamsInboundAuth({
    appId: settings.appId,
    openIdMetadataUrl: settings.openIdMetadataUrl,
    now,
  });
  const connector = new TeamsConnector({ ...settings, now });

  app.post("/api/messages", { schema: { hide: true }, bodyLimit: 256 * 1024 }, async (request, reply) => {
    const activity = (request.body ?? {}) as Activity;
    try {
      await auth.verify(request.headers.authorization, activity);
    } catch (err) {
      if (err instanceof TeamsAuthError)
        return reply.status(401).send(errorBody("UNAUTHENTICATED", "The Bot Framework token is invalid."));
      request.log.error({ err: loggableError(err).message }, "teams token could not be checked");
      return reply.status(503).send(errorBody("UNAVAILABLE", "Try again later."));
    }
    const type = str(activity.type);
    const isCardInvoke = type === "invoke" && activity.name === "adaptiveCard/action";
    const id = str(activity.id);
    const teamsUserId = str(activity.from?.aadObjectId) ?? str(activity.from?.id);
    const conversationId = str(activity.conversation?.id);
    const serviceUrl = str(activity.serviceUrl);
    const channelId = str(activity.channelId);
    if (
      (type !== "message" && !isCardInvoke) ||
      !id ||
      !teamsUserId ||
      !conversationId ||
      !serviceUrl ||
      !channelId
    ) {
      request.log.info({ type }, "teams activity ignored");
      return reply.status(200).send({});
    }
    // Teams may deliver an activity again: the second sighting does nothing.
    if (!(await app.deps.cache.setIfAbsent(`teams-activity:${id}`, "1", 24 * 3600)))
      return reply.status(200).send({});
    const { text, value } = parseInbound(activity);
    const tenantId = str(activity.conversation?.tenantId) ?? str(activity.channelData?.tenant?.id) ?? null;
    const answer = await handleTeamsTurn(
      { services: app.services, clock: app.deps.clock, log: request.log },
      { teamsUserId, tenantId, text, value, activityId: id },
    );
    try {
      await connector.reply({ serviceUrl, conversationId, activityId: id, channelId }, renderTeams(answer));
    } catch (err) {
      request.log.error({ err: loggableError(err).message }, "teams reply not sent");
    }
    if (isCardInvoke)
      return reply.status(200).send({
        statusCode: 200,
        type: "application/vnd.microsoft.activity.message",
        value: answer.kind === "text" ? answer.text : "Requests listed.",
      });
    return reply.status(200).send({});
  });
};
