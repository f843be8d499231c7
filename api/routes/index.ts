import websocket from "@fastify/websocket";
import type { FastifyPluginAsync } from "fastify";
import { adminRoutes } from "./admin.js";
import { authRoutes } from "./auth.js";
import { chatRoutes } from "./chat.js";
import { doctorRoutes } from "./doctors.js";
import { doctorSmsRoutes } from "./doctor-sms.js";
import { deliveryWebhook } from "../webhooks/delivery.js";
import { healthRoutes } from "./health.js";
import { planRoutes } from "./plans.js";
import { prescriptionRoutes } from "./prescriptions.js";
import { labRoutes } from "./labs.js";
import { pharmacyRoutes } from "./pharmacy.js";
import { payRoutes } from "../pay/index.js";
import { stripeWebhook } from "../webhooks/stripe.js";
import { telegramWebhook } from "../webhooks/telegram.js";
import { whatsappWebhook } from "../webhooks/whatsapp.js";
import { twilioWebhook } from "../webhooks/twilio.js";
import { paymentRoutes } from "./payments.js";
import { recordRoutes } from "./records.js";
import { reviewRoutes } from "./review.js";
import { schedulingRoutes } from "./scheduling.js";
import { notificationRoutes } from "./notifications.js";
import { visitRoutes } from "./visits.js";
import { twilioVideoWebhook } from "../webhooks/twilio-video.js";

/** Every route module, registered in one place. */
export const routes: FastifyPluginAsync = async (app) => {
  // One WebSocket server for the web chat (/chat/ws) and the visits' signalling (/api/visits/signal). A frame
  // is a chat message or an SDP offer (a few KB, more with many ICE candidates).
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(adminRoutes);
  await app.register(reviewRoutes);
  await app.register(doctorRoutes);
  await app.register(doctorSmsRoutes);
  await app.register(schedulingRoutes);
  await app.register(recordRoutes);
  await app.register(prescriptionRoutes);
  await app.register(planRoutes);
  await app.register(pharmacyRoutes);
  await app.register(labRoutes);
  await app.register(deliveryWebhook);
  await app.register(paymentRoutes);
  await app.register(payRoutes);
  await app.register(stripeWebhook);
  await app.register(chatRoutes);
  await app.register(telegramWebhook);
  await app.register(whatsappWebhook);
  await app.register(twilioWebhook);
  await app.register(notificationRoutes);
  await app.register(visitRoutes);
  await app.register(twilioVideoWebhook);
};
