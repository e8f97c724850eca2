/**
 * How long the supervisor spent verifying each claim, read from the journal it wrote: from
 * `claim.made` to the claim's verdict, against the durations of the gate commands it ran in
 * between (as its command runner measured them). The difference is verification's own cost:
 * reading the checkout, journaling each gate, the forge reads of the forge gates.
 */
import { isGateEvent } from "../src/run/events.ts";
import { readJournal } from "../src/run/journal.ts";

export interface ClaimVerification {
  workstream: string;
  claim: number;
  verifyMs: number;
  gateCommandMs: number;
}

export async function claimVerifications(journalFile: string): Promise<ClaimVerification[]> {
  const { events } = await readJournal(journalFile);
  const open = new Map<string, { madeMs: number; gateCommandMs: number }>();
  const verifications: ClaimVerification[] = [];
  for (const event of events) {
    if (event.type === "claim.made") {
      open.set(`${event.workstream}#${event.claim}`, { madeMs: Date.parse(event.ts), gateCommandMs: 0 });
    } else if (isGateEvent(event)) {
      const claim = open.get(`${event.workstream}#${event.claim}`);
      if (claim && event.command) claim.gateCommandMs += event.command.durationMs;
    } else if (event.type === "claim.accepted" || event.type === "claim.rejected") {
      const key = `${event.workstream}#${event.claim}`;
      const claim = open.get(key);
      if (!claim) continue;
      open.delete(key);
      verifications.push({
        workstream: event.workstream,
        claim: event.claim,
        verifyMs: Date.parse(event.ts) - claim.madeMs,
        gateCommandMs: claim.gateCommandMs,
      });
    }
  }
  return verifications;
}
