import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import jwt from "jsonwebtoken";

/**
 * Local fakes of what the Teams channel talks to: the Bot Framework's OpenID metadata and JWKS (keys we hold,
 * so tests sign their own activities' tokens), the token endpoint (client credentials) and the Bot Connector
 * (records every reply).
 */
export interface ConnectorCall {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeTeams {
  base: string;
  openIdMetadataUrl: string;
  authTokenUrl: string;
  /** The serviceUrl of activities (the Bot Connector). */
  serviceUrl: string;
  issuer: string;
  tokenRequests: URLSearchParams[];
  replies: ConnectorCall[];
  /** A Bot Framework token for an activity, signed with the published key (or another key: `foreignKey`). */
  sign(claims: Record<string, unknown>, opts?: { foreignKey?: boolean; kid?: string }): string;
  close(): Promise<void>;
}

const KID = "fake-bf-key-1";

function rsa(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync("rsa", { modulusLength: 2048 });
}

export async function startFakeTeams(port = 0): Promise<FakeTeams> {
  const published = rsa();
  const foreign = rsa();
  const issuer = "https://api.botframework.com";
  const tokenRequests: URLSearchParams[] = [];
  const replies: ConnectorCall[] = [];
  let base = "";
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", base);
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (req.method === "GET" && url.pathname === "/openid")
        return json(200, {
          issuer,
          jwks_uri: `${base}/keys`,
          id_token_signing_alg_values_supported: ["RS256"],
        });
      if (req.method === "GET" && url.pathname === "/keys") {
        const jwk = published.publicKey.export({ format: "jwk" });
        return json(200, {
          keys: [{ ...jwk, kid: KID, use: "sig", alg: "RS256", endorsements: ["msteams"] }],
        });
      }
      if (req.method === "POST" && url.pathname === "/token") {
        tokenRequests.push(new URLSearchParams(body));
        return json(200, { token_type: "Bearer", expires_in: 3600, access_token: "fake-bot-access-token" });
      }
      const m = /^\/connector\/v3\/conversations\/([^/]+)\/activities\/([^/]+)$/.exec(url.pathname);
      if (req.method === "POST" && m) {
        replies.push({
          path: url.pathname,
          authorization: req.headers.authorization,
          body: JSON.parse(body) as Record<string, unknown>,
        });
        return json(200, { id: `reply-${replies.length}` });
      }
      json(404, { error: "not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    openIdMetadataUrl: `${base}/openid`,
    authTokenUrl: `${base}/token`,
    serviceUrl: `${base}/connector/`,
    issuer,
    tokenRequests,
    replies,
    sign(claims, opts = {}) {
      const key = opts.foreignKey ? foreign.privateKey : published.privateKey;
      return jwt.sign(claims, key, { algorithm: "RS256", keyid: opts.kid ?? KID });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
