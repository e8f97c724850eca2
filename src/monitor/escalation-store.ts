/**
 * Escalations on disk: `runs/<run>/escalations/<id>.json`. The supervisor opens one and waits;
 * a human decides from the CLI (`approve`, `deny`, `reply`), which writes the decision into the
 * same file. The file is the meeting point, so a decision survives a supervisor restart.
 *
 * A decision counts only with its proof: an HMAC, under a key that only the supervisor and the
 * CLI's user can read (`runs/<run>/decision.key`, mode 0600, in the state dir no sandbox mounts),
 * over the escalation and everything the decision says. A decision written by anything else (a
 * worker that reached the file) is read as no decision at all.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { type FileHandle, link, mkdir, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import type { Clock } from "../clock.ts";

export type DecisionKind = "approve" | "deny" | "reply";

export interface EscalationContext {
  /** Signals recorded for the workstream, latest last. */
  signals: string[];
  /** The last evidence the supervisor holds: the failing gates of the last claim, or the trigger. */
  evidence: string;
  /** `git diff --stat` of the checkout against its base. */
  diffstat: string;
  /** What each decision does here. */
  options: { approve: string; deny: string; reply: string };
}

export interface EscalationRecord {
  id: string;
  workstream: string;
  question: string;
  /**
   * What led here: a worker's ask_human, the monitor when playbooks are exhausted, a spent budget,
   * a rejected claim whose change had already landed on the base, or a phase's gates red on the
   * integrated base (then `workstream` reads `phase NAME`: no one workstream owns it), or the base
   * red after a landing (`workstream` reads `base BRANCH`).
   */
  source: "worker" | "monitor" | "budget" | "landing" | "phase" | "base";
  context: EscalationContext | null;
  status: "pending" | "approved" | "denied" | "replied";
  opened_at: string;
  decision: {
    kind: DecisionKind;
    note: string | null;
    text: string | null;
    decided_at: string;
    /** The OS user who decided. */
    decided_by: string;
    /** Gates an approval waives: recorded as `waived`, never as `pass`. */
    waive: string[];
    /** HMAC-SHA256 of the escalation and this decision under the run's decision key. */
    proof?: string;
  } | null;
}

const statusOfDecision = { approve: "approved", deny: "denied", reply: "replied" } as const;

export interface EscalationStore {
  readonly directory: string;
  open(request: {
    id: string;
    workstream: string;
    question: string;
    source: EscalationRecord["source"];
    context?: EscalationContext | null;
  }): Promise<EscalationRecord>;
  read(id: string): Promise<EscalationRecord | null>;
  list(): Promise<EscalationRecord[]>;
  decide(
    id: string,
    decision: {
      kind: DecisionKind;
      note?: string | null;
      text?: string | null;
      decidedBy: string;
      waive?: string[];
    },
  ): Promise<EscalationRecord>;
  /** Resolves with the decided record; rejects with the signal's reason when aborted. */
  waitForDecision(id: string, signal: AbortSignal): Promise<EscalationRecord>;
}

export class EscalationNotFoundError extends Error {
  constructor(id: string) {
    super(`no escalation ${id}`);
    this.name = "EscalationNotFoundError";
  }
}

export class EscalationBeingDecidedError extends Error {
  constructor(id: string) {
    super(`escalation ${id} is being decided by someone else right now`);
    this.name = "EscalationBeingDecidedError";
  }
}

export class EscalationAlreadyDecidedError extends Error {
  readonly record: EscalationRecord;
  constructor(record: EscalationRecord) {
    super(`escalation ${record.id} was already decided (${record.status})`);
    this.name = "EscalationAlreadyDecidedError";
    this.record = record;
  }
}

export function createEscalationStore(
  runDirectory: string,
  clock: Clock,
  options: { pollMs?: number } = {},
): EscalationStore {
  const directory = join(runDirectory, "escalations");
  const pollMs = options.pollMs ?? 500;
  const fileOf = (id: string) => join(directory, `${id}.json`);
  let decisionKey: Promise<Buffer> | undefined;
  const keyOf = () => {
    decisionKey ??= loadOrCreateDecisionKey(join(runDirectory, "decision.key"));
    return decisionKey;
  };
  const write = async (record: EscalationRecord) => {
    await mkdir(directory, { recursive: true });
    await writeFileAtomic(fileOf(record.id), `${JSON.stringify(record, null, 2)}\n`);
  };
  const read = async (id: string): Promise<EscalationRecord | null> => {
    let record: EscalationRecord;
    try {
      record = JSON.parse(await readFile(fileOf(id), "utf8")) as EscalationRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    if (record.decision === null || hasValidProof(record, await keyOf())) return record;
    return { ...record, status: "pending", decision: null };
  };
  return {
    directory,
    read,
    async open(request) {
      // Opening is idempotent: a resumed run re-opening the same escalation keeps any decision made meanwhile.
      const existing = await read(request.id);
      if (existing) return existing;
      const record: EscalationRecord = {
        ...request,
        context: request.context ?? null,
        status: "pending",
        opened_at: new Date(clock.now()).toISOString(),
        decision: null,
      };
      await write(record);
      return record;
    },
    async list() {
      let names: string[] = [];
      try {
        names = await readdir(directory);
      } catch {
        return [];
      }
      const records = await Promise.all(
        names.filter((name) => name.endsWith(".json")).map((name) => read(name.slice(0, -5))),
      );
      return records
        .filter((record): record is EscalationRecord => record !== null)
        .sort((a, b) => a.opened_at.localeCompare(b.opened_at));
    },
    async decide(id, decision) {
      if ((await read(id)) === null) throw new EscalationNotFoundError(id);
      // Two humans deciding at once: the exclusive lock file lets exactly one of them write.
      const lockFile = `${fileOf(id)}.lock`;
      let lock: FileHandle;
      try {
        lock = await open(lockFile, "wx");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new EscalationBeingDecidedError(id);
        throw error;
      }
      try {
        const record = await read(id);
        if (!record) throw new EscalationNotFoundError(id);
        if (record.status !== "pending") throw new EscalationAlreadyDecidedError(record);
        const decisionMade = {
          kind: decision.kind,
          note: decision.note ?? null,
          text: decision.text ?? null,
          decided_at: new Date(clock.now()).toISOString(),
          decided_by: decision.decidedBy,
          waive: decision.waive ?? [],
        };
        const decided: EscalationRecord = {
          ...record,
          status: statusOfDecision[decision.kind],
          decision: { ...decisionMade, proof: proofOf(record, decisionMade, await keyOf()) },
        };
        await write(decided);
        return decided;
      } finally {
        await lock.close();
        await rm(lockFile, { force: true });
      }
    },
    async waitForDecision(id, signal) {
      // Polling a small file is simpler and sturdier than fs.watch across editors, atomic renames and NFS.
      for (;;) {
        signal.throwIfAborted();
        // A file caught mid-write by someone else (or damaged) is read again at the next poll.
        const record = await read(id).catch((error: unknown) => {
          if (error instanceof SyntaxError) return undefined;
          throw error;
        });
        if (record === null) throw new EscalationNotFoundError(id);
        if (record !== undefined && record.status !== "pending") return record;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, pollMs);
          function done() {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            resolve();
          }
          signal.addEventListener("abort", done, { once: true });
        });
      }
    },
  };
}

type DecisionFields = Omit<NonNullable<EscalationRecord["decision"]>, "proof">;

function proofOf(record: EscalationRecord, decision: DecisionFields, key: Buffer): string {
  const signed = JSON.stringify([
    record.id,
    record.workstream,
    record.question,
    record.source,
    record.opened_at,
    decision.kind,
    decision.note,
    decision.text,
    decision.decided_at,
    decision.decided_by,
    decision.waive,
  ]);
  return createHmac("sha256", key).update(signed).digest("hex");
}

function hasValidProof(record: EscalationRecord, key: Buffer): boolean {
  const decision = record.decision;
  if (!decision || typeof decision.proof !== "string") return false;
  const { proof, ...fields } = decision;
  const expected = Buffer.from(proofOf(record, fields, key), "hex");
  const given = Buffer.from(proof, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The run's decision key: made once, by whichever of the supervisor and the CLI comes first. */
async function loadOrCreateDecisionKey(file: string): Promise<Buffer> {
  await mkdir(dirname(file), { recursive: true });
  // Written aside, then linked into place: link fails when the key exists, so two processes making
  // it at once agree on the one that won, and neither ever reads a half-written key.
  const candidate = `${file}.${randomBytes(8).toString("hex")}`;
  await writeFile(candidate, randomBytes(32).toString("hex"), { mode: 0o600 });
  try {
    await link(candidate, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await rm(candidate, { force: true });
  }
  const text = (await readFile(file, "utf8")).trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new Error(`the decision key ${file} is damaged; delete it and decide the open escalations again`);
  }
  return Buffer.from(text, "hex");
}
