import { DrizzleQueryError } from "drizzle-orm/errors";
import { describe, expect, it } from "vitest";
import { loggableError } from "./client.js";

describe("loggableError", () => {
  it("keeps a failed query's parameters (patient data) out of what is logged", () => {
    const cause = Object.assign(
      new Error('duplicate key value violates unique constraint "users_email_key"'),
      {
        code: "23505",
      },
    );
    const err = new DrizzleQueryError(
      "insert into users (email) values ($1)",
      ["asha.verma@example.com"],
      cause,
    );
    expect(err.message).toContain("asha.verma@example.com"); // what would have been logged
    const logged = JSON.stringify(loggableError(err));
    expect(logged).not.toContain("asha.verma@example.com");
    expect(loggableError(err)).toMatchObject({ code: "23505", message: cause.message });
  });

  it("passes other errors through with their name, code and message", () => {
    const err = Object.assign(new TypeError("boom"), { code: "ECONNRESET" });
    expect(loggableError(err)).toMatchObject({ name: "TypeError", code: "ECONNRESET", message: "boom" });
  });
});
