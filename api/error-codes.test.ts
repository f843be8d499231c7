import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES_FILE, renderErrorCodes, scanErrorCodes } from "../test/error-codes.js";
import { ERROR_CODES } from "./error-codes.js";

describe("the catalog of error codes", () => {
  it("lists every code the source throws (run `npm run openapi:codes` when this fails)", async () => {
    expect(readFileSync(ERROR_CODES_FILE, "utf8")).toBe(await renderErrorCodes());
  });

  it("finds the codes of every form of throw", () => {
    const codes = scanErrorCodes();
    expect([...codes.get("FORBIDDEN_ROLE")!.status]).toEqual([403]);
    expect([...codes.get("NOT_FOUND")!.status]).toEqual([404]);
    expect(ERROR_CODES.RATE_LIMITED?.status).toEqual([429]);
    expect(ERROR_CODES.VALIDATION_ERROR?.status).toEqual([400]);
  });
});
