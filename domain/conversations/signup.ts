import { randomBytes } from "node:crypto";
import { eq, or } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { patients, users } from "../../db/schema/index.js";
import { AccountsRepository, type UserWithProfile } from "../accounts/repository.js";
import { hashPassword } from "../accounts/secrets.js";

export type ContactPoint = { kind: "email"; value: string } | { kind: "phone"; value: string };

/** Phone-only people get a placeholder address no one can receive mail at (users.email is required). */
export function placeholderEmail(phone: string): string {
  return `phone-${phone.replace(/\D/g, "")}@chat.healthlink.invalid`;
}

/** The patient account with this email or phone, if any. */
export async function findPatientByContact(
  database: Database,
  contact: ContactPoint,
): Promise<UserWithProfile | undefined> {
  const repo = new AccountsRepository(database.db);
  if (contact.kind === "email") return repo.findByEmail(contact.value);
  const [row] = await database.db
    .select({ id: users.id })
    .from(users)
    .where(or(eq(users.phone, contact.value), eq(users.email, placeholderEmail(contact.value))))
    .limit(1);
  return row ? repo.findById(row.id) : undefined;
}

/**
 * Creates a patient met in a conversation: a user with a random, unusable password (they can set one
 * through "forgot password") and a patient profile with the name and date of birth they gave.
 * Reuses AccountsRepository, as AuthService.register does.
 */
export async function createPatientFromConversation(
  database: Database,
  input: { name: string; dateOfBirth: string; contact: ContactPoint },
): Promise<UserWithProfile> {
  const repo = new AccountsRepository(database.db);
  const passwordHash = await hashPassword(randomBytes(32).toString("base64url"));
  const email = input.contact.kind === "email" ? input.contact.value : placeholderEmail(input.contact.value);
  const phone = input.contact.kind === "phone" ? input.contact.value : null;
  const id = await database.db.transaction(async (tx) => {
    const user = await repo.insertUser(tx, { role: "patient", name: input.name, email, phone, passwordHash });
    if (!user) return undefined;
    const patientId = await repo.insertPatient(tx, {
      userId: user.id,
      name: user.name,
      phone,
      email,
    });
    await tx.update(patients).set({ dateOfBirth: input.dateOfBirth }).where(eq(patients.id, patientId));
    return user.id;
  });
  const user =
    id !== undefined ? await repo.findById(id) : await findPatientByContact(database, input.contact);
  if (!user) throw new Error("account could not be created");
  return user;
}
