import type { FastifyPluginAsync } from "fastify";
import { adminRoutes } from "./admin.js";
import { authRoutes } from "./auth.js";
import { chatRoutes } from "./chat.js";
import { doctorRoutes } from "./doctors.js";
import { deliveryWebhook } from "../webhooks/delivery.js";
import { healthRoutes } from "./health.js";
import { planRoutes } from "./plans.js";
import { prescriptionRoutes } from "./prescriptions.js";
import { labRoutes } from "./labs.js";
import { pharmacyRoutes } from "./pharmacy.js";
import { payRoutes } from "../pay/index.js";
import { stripeWebhook } from "../webhooks/stripe.js";
import { telegramWebhook } from "../webhooks/telegram.js";
import { paymentRoutes } from "./payments.js";
import { recordRoutes } from "./records.js";
import { reviewRoutes } from "./review.js";
import { schedulingRoutes } from "./scheduling.js";

/** Every route module, registered in one place. */
export const routes: FastifyPluginAsync = async (app) => {
  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(adminRoutes);
  await app.register(reviewRoutes);
  await app.register(doctorRoutes);
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
};
