import type { roleEnum } from "../../db/schema/index.js";

/**
 * What a user is: the one list of roles, used for authorization in the domain (Actor), the API's role
 * guards and schemas. The database stores the same values in its own enum (db/schema/accounts.ts
 * roleEnum: db imports nothing from the domain); the check below stops the build when the two differ.
 */
export const ROLES = ["patient", "doctor", "nurse", "admin", "pharmacist", "lab"] as const;

export type Role = (typeof ROLES)[number];

type StoredRole = (typeof roleEnum.enumValues)[number];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only while ROLES and the database enum hold the same values. */
export const ROLES_MATCH_THE_DATABASE: Same<Role, StoredRole> = true;
