import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, errorsIn } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/notifications/", "domain/shared/time.ts");

const Channel = Type.Union([
  Type.Literal("telegram"),
  Type.Literal("whatsapp"),
  Type.Literal("sms"),
  Type.Literal("web"),
  Type.Literal("email"),
]);
const QuietHours = Type.String({
  pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$",
  description: '"HH:MM-HH:MM" on the patient\'s clock (their time zone), e.g. "22:00-07:00".',
});

const Preferences = Type.Object({
  preferred_channel: Type.Union([Channel, Type.Null()]),
  quiet_hours: Type.Union([Type.String(), Type.Null()]),
});

/** The signed-in person's notification settings: preferred channel and (patients) quiet hours. */
export const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { notifications } = app.services;

  app.get(
    "/api/auth/me/notifications",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["auth"],
        operationId: "getNotificationSettings",
        summary: "My notification settings",
        security: bearer,
        response: { 200: Preferences, ...errors(401) },
      },
    },
    async (request) => notifications.preferences(actorOf(request)),
  );

  app.patch(
    "/api/auth/me/notifications",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["auth"],
        operationId: "updateNotificationSettings",
        summary: "Set my preferred channel and quiet hours",
        description:
          "Both optional; null clears (back to the most recently used channel / the platform's QUIET_HOURS).",
        security: bearer,
        body: Type.Object(
          {
            preferred_channel: Type.Optional(Type.Union([Channel, Type.Null()])),
            quiet_hours: Type.Optional(Type.Union([QuietHours, Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: { 200: Preferences, ...errors(400, 401) },
      },
    },
    async (request) => notifications.setPreferences(actorOf(request), request.body),
  );
};
