import type { Role } from "./role.js";

export type Channel =
  "api" | "console" | "web" | "telegram" | "sms" | "whatsapp" | "voice" | "teams" | "system";

/** Who is acting. Every domain service call carries one; authorization is decided from it. */
export interface Actor {
  readonly userId: number;
  readonly role: Role;
  /** Set when role = patient. */
  readonly patientId?: number | undefined;
  /** Set when role = doctor. */
  readonly doctorId?: number | undefined;
  readonly channel: Channel;
  readonly requestId?: string | undefined;
}

/** Jobs and the seeder act as the system. */
export const systemActor: Actor = { userId: 0, role: "admin", channel: "system" };
