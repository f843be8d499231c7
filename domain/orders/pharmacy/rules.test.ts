import { describe, expect, it } from "vitest";
import { DomainError } from "../../shared/errors.js";
import { assertOrderTransition, canTransition, deliveryFee, packsPerFill, sameGenerics } from "./rules.js";

function code(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.code : "other";
  }
}

describe("the pharmacy order lifecycle", () => {
  it("goes pending → confirmed → dispatched → out_for_delivery → delivered and no other way forward", () => {
    expect(canTransition("pending", "confirmed")).toBe(true);
    expect(canTransition("confirmed", "dispatched")).toBe(true);
    expect(canTransition("dispatched", "out_for_delivery")).toBe(true);
    expect(canTransition("out_for_delivery", "delivered")).toBe(true);
    expect(canTransition("pending", "dispatched")).toBe(false);
    expect(canTransition("delivered", "pending")).toBe(false);
    expect(canTransition("cancelled", "confirmed")).toBe(false);
  });

  it("can be cancelled from pending, confirmed and dispatched only", () => {
    for (const from of ["pending", "confirmed", "dispatched"] as const)
      expect(canTransition(from, "cancelled")).toBe(true);
    for (const from of ["out_for_delivery", "delivered", "cancelled"] as const)
      expect(canTransition(from, "cancelled")).toBe(false);
  });

  it("lets the patient only cancel, and only before dispatch", () => {
    expect(code(() => assertOrderTransition("patient", "pending", "cancelled"))).toBeUndefined();
    expect(code(() => assertOrderTransition("patient", "confirmed", "cancelled"))).toBeUndefined();
    expect(code(() => assertOrderTransition("patient", "dispatched", "cancelled"))).toBe(
      "INVALID_TRANSITION",
    );
    expect(code(() => assertOrderTransition("patient", "pending", "confirmed"))).toBe("INVALID_TRANSITION");
  });

  it("lets the delivery partner report delivery steps, and cancel (undeliverable) only what it holds", () => {
    expect(code(() => assertOrderTransition("delivery_partner", "confirmed", "dispatched"))).toBeUndefined();
    expect(code(() => assertOrderTransition("delivery_partner", "pending", "confirmed"))).toBe(
      "INVALID_TRANSITION",
    );
    expect(code(() => assertOrderTransition("delivery_partner", "confirmed", "cancelled"))).toBe(
      "INVALID_TRANSITION",
    );
    expect(code(() => assertOrderTransition("delivery_partner", "dispatched", "cancelled"))).toBeUndefined();
    expect(
      code(() => assertOrderTransition("delivery_partner", "out_for_delivery", "cancelled")),
    ).toBeUndefined();
    expect(code(() => assertOrderTransition("delivery_partner", "delivered", "cancelled"))).toBe(
      "INVALID_TRANSITION",
    );
    // Only the partner: the pharmacy cannot cancel an order the courier is carrying.
    expect(code(() => assertOrderTransition("pharmacist", "out_for_delivery", "cancelled"))).toBe(
      "INVALID_TRANSITION",
    );
  });

  it("lets the system only cancel (an unpaid order whose payment window closed)", () => {
    expect(code(() => assertOrderTransition("system", "pending", "cancelled"))).toBeUndefined();
    expect(code(() => assertOrderTransition("system", "pending", "confirmed"))).toBe("INVALID_TRANSITION");
  });
});

describe("pricing and fills", () => {
  const config = { deliveryFeeMinor: 4000, freeDeliveryAboveMinor: 50000 };

  it("charges the delivery fee below the threshold and none from it on", () => {
    expect(deliveryFee(49999, config)).toBe(4000);
    expect(deliveryFee(50000, config)).toBe(0);
  });

  it("turns a fill's units into packs, rounding up", () => {
    expect(packsPerFill(60, 20)).toBe(3);
    expect(packsPerFill(61, 20)).toBe(4);
    expect(packsPerFill(5, 15)).toBe(1);
  });

  it("matches generics as sets, and never an empty one", () => {
    expect(sameGenerics(["glimepiride", "metformin"], ["metformin", "glimepiride"])).toBe(true);
    expect(sameGenerics(["metformin"], ["glimepiride", "metformin"])).toBe(false);
    expect(sameGenerics([], [])).toBe(false);
  });
});
