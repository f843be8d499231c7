import fastifyJwt from "@fastify/jwt";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { TokenClaims } from "../../domain/accounts/auth-service.js";
import type { Services } from "../../domain/index.js";
import type { Actor } from "../../domain/shared/actor.js";
import { DomainError, unauthenticated } from "../../domain/shared/errors.js";
import type { Role } from "../../domain/shared/role.js";

declare module "@fastify/jwt" {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

declare module "fastify" {
  interface FastifyRequest {
    actor?: Actor;
  }
  interface FastifyInstance {
    /** preHandler: a valid access token of an open session. Sets request.actor. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** preHandler factory: authenticated and one of these roles (others get 403). */
    requireRole: (...roles: Role[]) => (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    signAccessToken: (claims: TokenClaims) => string;
  }
}

export interface AuthPluginOptions {
  secret: string;
  accessTtlSeconds: number;
  services: Services;
}

/** The actor of an authenticated request (routes behind `authenticate` only). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthenticated("UNAUTHENTICATED", "Sign in first.");
  return request.actor;
}

export const authPlugin = fp(async (app: FastifyInstance, opts: AuthPluginOptions) => {
  await app.register(fastifyJwt, {
    secret: opts.secret,
    sign: { expiresIn: opts.accessTtlSeconds, algorithm: "HS256" },
    verify: { algorithms: ["HS256"] },
  });

  app.decorate("signAccessToken", (claims: TokenClaims) => app.jwt.sign(claims));

  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (!header?.startsWith("Bearer "))
      throw unauthenticated("UNAUTHENTICATED", "A Bearer access token is required.");
    let claims: TokenClaims;
    try {
      claims = await request.jwtVerify<TokenClaims>();
    } catch {
      throw unauthenticated("INVALID_TOKEN", "The access token is invalid or expired.");
    }
    request.actor = await opts.services.auth.actorFor(claims, "api", request.id);
  };
  app.decorate("authenticate", authenticate);

  // Whatever a signed-in person is shown is theirs (often patient data): never kept by browsers or proxies.
  app.addHook("onSend", (request, reply, payload, done) => {
    if (request.actor && !reply.hasHeader("cache-control")) void reply.header("cache-control", "no-store");
    done(null, payload);
  });
  app.decorate("requireRole", (...roles: Role[]) => async (request: FastifyRequest) => {
    await authenticate(request);
    if (!roles.includes(actorOf(request).role)) {
      throw new DomainError(
        "forbidden",
        "FORBIDDEN_ROLE",
        `This action is for ${roles.join(" or ")} accounts.`,
      );
    }
  });
});
