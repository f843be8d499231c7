import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";

export const doctorRoutes: FastifyPluginAsyncTypebox = async (_app) => {};
