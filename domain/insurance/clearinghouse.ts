/**
 * The clearinghouse port: where claims are submitted and adjudicated. No real clearinghouse is wired yet; the
 * sandbox (default) decides by deterministic rules so that tests and demos are repeatable.
 */
export interface ClaimSubmission {
  claimId: number;
  payer: string;
  memberId: string;
  serviceCodes: string[];
  diagnosisCodes: string[];
  billedMinor: number;
  currency: string;
}

export type Adjudication =
  | { decision: "accepted"; approvedMinor: number }
  | { decision: "rejected"; reason: string }
  /** Staff decide later (accept / reject through the API). */
  | { decision: "pending" };

export interface Clearinghouse {
  readonly name: string;
  /** Submits a claim; answers its reference and, if it decides at once, the decision. */
  submit(claim: ClaimSubmission): Promise<{ ref: string; adjudication: Adjudication }>;
  /** What the payer would cover of a claim (the default approved amount when staff accept it). */
  coverage(claim: ClaimSubmission): number;
}

/**
 * Sandbox rules: the payer covers CLAIMS_SANDBOX_COVERAGE_PERCENT of the billed amount (rounded down to a
 * minor unit); a claim whose member id is blank or "REJECT" is rejected; with CLAIMS_SANDBOX_AUTO_DECIDE the
 * decision is made at submission, otherwise it waits for staff.
 */
export class SandboxClearinghouse implements Clearinghouse {
  readonly name = "sandbox";

  constructor(private readonly opts: { coveragePercent: number; autoDecide: boolean }) {}

  coverage(claim: ClaimSubmission): number {
    return Math.floor((claim.billedMinor * this.opts.coveragePercent) / 100);
  }

  submit(claim: ClaimSubmission): Promise<{ ref: string; adjudication: Adjudication }> {
    const ref = `sandbox-claim-${claim.claimId}`;
    if (!this.opts.autoDecide) return Promise.resolve({ ref, adjudication: { decision: "pending" } });
    if (claim.memberId.trim() === "" || claim.memberId.toUpperCase() === "REJECT")
      return Promise.resolve({ ref, adjudication: { decision: "rejected", reason: "Member not found" } });
    return Promise.resolve({
      ref,
      adjudication: { decision: "accepted", approvedMinor: this.coverage(claim) },
    });
  }
}

/** The configured clearinghouse (CLAIMS_CLEARINGHOUSE; only the sandbox so far). */
export function createClearinghouse(config: {
  claims: { clearinghouse: "sandbox"; sandboxCoveragePercent: number; sandboxAutoDecide: boolean };
}): Clearinghouse {
  return new SandboxClearinghouse({
    coveragePercent: config.claims.sandboxCoveragePercent,
    autoDecide: config.claims.sandboxAutoDecide,
  });
}
