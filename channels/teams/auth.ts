import jwt, { type JwtHeader, type JwtPayload } from "jsonwebtoken";
import jwksRsa, { type JwksClient } from "jwks-rsa";

/**
 * Inbound authentication of Bot Framework activities (Teams → POST /api/messages).
 *
 * Why not the SDK's own `authorizeJWT` (@microsoft/agents-hosting): it is Express middleware, and it picks the
 * JWKS from the token's issuer with hard-coded URLs (https://login.botframework.com/v1/.well-known/keys for
 * the Bot Framework issuer) — it cannot be pointed at TEAMS_OPENID_METADATA_URL, which our tests (and sovereign
 * clouds) need. So this follows the Bot Framework's documented steps with the same libraries the SDK uses
 * (jsonwebtoken + jwks-rsa): the OpenID metadata gives the issuer and the jwks_uri; the token must be RS256,
 * signed by a key of that set (which, when it lists endorsements, must endorse the activity's channel), issued
 * by the metadata's issuer, for our app id (audience), unexpired (five minutes of clock skew, like the SDK), and
 * its serviceUrl claim must be the activity's serviceUrl (so a token cannot send our replies elsewhere).
 */

export class TeamsAuthError extends Error {
  override readonly name = "TeamsAuthError";
}

interface Metadata {
  issuer: string;
  jwksUri: string;
}

const METADATA_TTL_MS = 24 * 3600_000;
const CLOCK_TOLERANCE_SECONDS = 300;

export interface VerifiedCaller {
  /** The token's claims (after every check). */
  claims: JwtPayload;
}

export class TeamsInboundAuth {
  private metadata: { value: Metadata; until: number } | undefined;
  private jwks: { uri: string; client: JwksClient } | undefined;
  /** kid → the channels its key endorses (from the last JWKS fetch). */
  private readonly endorsements = new Map<string, string[]>();

  constructor(
    private readonly opts: { appId: string; openIdMetadataUrl: string; now: () => Date },
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  private async loadMetadata(): Promise<Metadata> {
    const now = this.opts.now().getTime();
    if (this.metadata && this.metadata.until > now) return this.metadata.value;
    const res = await this.fetchImpl(this.opts.openIdMetadataUrl, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`OpenID metadata: HTTP ${res.status}`);
    const body = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof body.issuer !== "string" || typeof body.jwks_uri !== "string")
      throw new Error("OpenID metadata without issuer or jwks_uri");
    const value = { issuer: body.issuer, jwksUri: body.jwks_uri };
    this.metadata = { value, until: now + METADATA_TTL_MS };
    return value;
  }

  private client(uri: string): JwksClient {
    if (this.jwks?.uri === uri) return this.jwks.client;
    const client = jwksRsa({
      jwksUri: uri,
      cache: true,
      rateLimit: true,
      jwksRequestsPerMinute: 10,
      fetcher: async (u: string) => {
        const res = await this.fetchImpl(u, { signal: AbortSignal.timeout(10_000) });
        if (!res.ok) throw new Error(`JWKS: HTTP ${res.status}`);
        const body = (await res.json()) as { keys?: { kid?: string; endorsements?: unknown }[] };
        for (const k of body.keys ?? [])
          if (typeof k.kid === "string" && Array.isArray(k.endorsements))
            this.endorsements.set(
              k.kid,
              k.endorsements.filter((e): e is string => typeof e === "string"),
            );
        return { keys: body.keys ?? [] };
      },
    });
    this.jwks = { uri, client };
    return client;
  }

  /**
   * Verifies the Authorization header of an activity; throws TeamsAuthError for anything unauthenticated
   * (and a plain Error when the metadata or keys cannot be fetched: a 5xx-worthy outage, not the caller's fault).
   */
  async verify(
    authorization: string | undefined,
    activity: { serviceUrl?: unknown; channelId?: unknown },
  ): Promise<VerifiedCaller> {
    const m = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? "");
    if (!m) throw new TeamsAuthError("no bearer token");
    const raw = m[1]!;
    const decoded = jwt.decode(raw, { complete: true });
    if (!decoded || typeof decoded.payload === "string") throw new TeamsAuthError("not a JWT");
    const header: JwtHeader = decoded.header;
    if (header.alg !== "RS256" || typeof header.kid !== "string")
      throw new TeamsAuthError("unexpected algorithm");
    const meta = await this.loadMetadata();
    let publicKey: string;
    try {
      publicKey = (await this.client(meta.jwksUri).getSigningKey(header.kid)).getPublicKey();
    } catch (err) {
      if (
        err instanceof Error &&
        (err.name === "SigningKeyNotFoundError" || err.name === "JwksRateLimitError")
      )
        throw new TeamsAuthError("unknown key");
      throw err;
    }
    const endorsed = this.endorsements.get(header.kid);
    if (endorsed && typeof activity.channelId === "string" && !endorsed.includes(activity.channelId))
      throw new TeamsAuthError("key does not endorse the channel");
    let claims: JwtPayload;
    try {
      claims = jwt.verify(raw, publicKey, {
        algorithms: ["RS256"],
        issuer: meta.issuer,
        audience: this.opts.appId,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        clockTimestamp: Math.floor(this.opts.now().getTime() / 1000),
      }) as JwtPayload;
    } catch (err) {
      throw new TeamsAuthError(err instanceof Error ? err.message : "invalid token");
    }
    const named = claims as Record<string, unknown>;
    const claimed: unknown = named.serviceurl ?? named.serviceUrl;
    if (
      typeof claimed !== "string" ||
      typeof activity.serviceUrl !== "string" ||
      !sameUrl(claimed, activity.serviceUrl)
    )
      throw new TeamsAuthError("serviceUrl mismatch");
    return { claims };
  }
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();
}
