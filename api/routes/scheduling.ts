import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";

export const schedulingRoutes: FastifyPluginAsyncTypebox = async (_app) => {};
