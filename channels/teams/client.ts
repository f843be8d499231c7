import { Activity } from "@microsoft/agents-activity";
import { ConnectorClient } from "@microsoft/agents-hosting";

/** The Bot Framework's scope for a bot's outbound token. */
const BOT_SCOPE = "https://api.botframework.com/.default";
/** Renew a little before the token's expiry. */
const EARLY_MS = 5 * 60_000;

/** An outbound activity (a reply): text and/or Adaptive Card attachments. */
export interface TeamsReply {
  text?: string | undefined;
  attachments?: { contentType: string; content: unknown }[] | undefined;
}

/**
 * Outbound to Teams: a token by client credentials from TEAMS_AUTH_TOKEN_URL (cached until shortly before it
 * expires), then the reply through the Bot Connector REST API at the activity's serviceUrl
 * (`POST /v3/conversations/{id}/activities/{activityId}`, the SDK's ConnectorClient.replyToActivity).
 *
 * The token is fetched here rather than with the SDK's MsalTokenProvider: MSAL builds its endpoints from an
 * authority with instance discovery, and cannot be pointed at one token URL (TEAMS_AUTH_TOKEN_URL), which tests
 * and sovereign clouds need. The request is the same OAuth 2.0 client-credentials call.
 */
export class TeamsConnector {
  private token: { value: string; until: number } | undefined;

  constructor(
    private readonly opts: {
      appId: string;
      appPassword: string;
      authTokenUrl: string;
      now: () => Date;
    },
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  private async accessToken(): Promise<string> {
    const now = this.opts.now().getTime();
    if (this.token && this.token.until > now) return this.token.value;
    const res = await this.fetchImpl(this.opts.authTokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: this.opts.appId,
        client_secret: this.opts.appPassword,
        scope: BOT_SCOPE,
      }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`Teams token endpoint: HTTP ${res.status}`);
    const body = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== "string") throw new Error("Teams token endpoint: no access_token");
    const ttlMs = (typeof body.expires_in === "number" ? body.expires_in : 3600) * 1000;
    this.token = { value: body.access_token, until: now + Math.max(0, ttlMs - EARLY_MS) };
    return body.access_token;
  }

  /** Replies to an inbound activity in its conversation. */
  async reply(
    inbound: { serviceUrl: string; conversationId: string; activityId: string; channelId: string },
    reply: TeamsReply,
  ): Promise<void> {
    const token = await this.accessToken();
    const base = inbound.serviceUrl.endsWith("/") ? inbound.serviceUrl : `${inbound.serviceUrl}/`;
    const client = ConnectorClient.createClientWithToken(base, token);
    await client.replyToActivity(
      encodeURIComponent(inbound.conversationId),
      inbound.activityId,
      Activity.fromObject({
        type: "message",
        channelId: inbound.channelId,
        conversation: { id: inbound.conversationId },
        replyToId: inbound.activityId,
        ...(reply.text !== undefined ? { text: reply.text, textFormat: "plain" } : {}),
        ...(reply.attachments ? { attachments: reply.attachments } : {}),
      }),
    );
  }
}
