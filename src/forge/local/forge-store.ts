/**
 * The local forge's records on disk, under `<stateDir>/forge/`: one JSON file per pull request,
 * issue and CI run, each written whole and atomically, so a crash leaves the old record or the
 * new one, never half of either. Numbers are the file names; no counter file can drift from them.
 */
import { mkdir, readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";
import { StateError } from "../../errors.ts";

const timestamp = z.string();

export const landingSchema = z.object({
  via: z.enum(["merge_queue", "updated_head"]),
  testedSha: z.string(),
  ciState: z.enum(["success", "none"]),
  ciDetailsUrl: z.string().nullable(),
  batch: z.array(z.number().int().positive()),
});

/**
 * A batch about to move the base, written before it moves: a crash between the move and the
 * pull request records still finds, by the landed commit, what CI tested.
 */
export const landingRecordSchema = landingSchema.extend({
  baseBefore: z.string(),
  landed: z.array(z.object({ number: z.number().int().positive(), commitSha: z.string() })),
});
export type LandingRecord = z.infer<typeof landingRecordSchema>;

export const pullRequestRecordSchema = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string(),
  head: z.string(),
  base: z.string(),
  /** The head as last seen; open pull requests are refreshed from origin's branch on every read. */
  headSha: z.string(),
  state: z.enum(["open", "closed"]),
  isMerged: z.boolean(),
  mergeCommitSha: z.string().nullable(),
  mergedAt: timestamp.nullable(),
  /** What CI tested before the base moved; absent on a record merged before the queue existed. */
  landing: landingSchema.nullable().optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type PullRequestRecord = z.infer<typeof pullRequestRecordSchema>;

export const issueRecordSchema = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  state: z.enum(["open", "closed"]),
  createdAt: timestamp,
  closedAt: timestamp.nullable(),
  closedBy: z
    .discriminatedUnion("kind", [
      z.object({ kind: z.literal("pull_request"), pullRequest: z.number(), commitSha: z.string() }),
      z.object({ kind: z.literal("manual") }),
    ])
    .nullable(),
  comments: z.array(z.object({ body: z.string(), createdAt: timestamp })),
});
export type IssueRecord = z.infer<typeof issueRecordSchema>;

export const ciRunRecordSchema = z.object({
  sha: z.string(),
  /** The branch whose push started the run; its `commands.ci` is `command`. */
  branch: z.string(),
  /** The workstream branch whose HOME the run uses, when `branch` is a merge queue's. */
  homeBranch: z.string().optional(),
  command: z.string(),
  status: z.enum(["queued", "in_progress", "completed"]),
  conclusion: z.enum(["success", "failure", "timed_out"]).nullable(),
  /** 1 for the first run; more when a run orphaned by a crash was started again. */
  attempt: z.number().int().positive(),
  queuedAt: timestamp,
  startedAt: timestamp.nullable(),
  completedAt: timestamp.nullable(),
  exitCode: z.number().nullable(),
  durationMs: z.number().nullable(),
  summary: z.string().nullable(),
});
export type CiRunRecord = z.infer<typeof ciRunRecordSchema>;

export interface ForgeLayout {
  root: string;
  origin: string;
  pulls: string;
  issues: string;
  ci: string;
  landings: string;
}

export function forgeLayout(stateDir: string): ForgeLayout {
  const root = join(stateDir, "forge");
  return {
    root,
    origin: join(root, "origin.git"),
    pulls: join(root, "pulls"),
    issues: join(root, "issues"),
    ci: join(root, "ci"),
    landings: join(root, "landings"),
  };
}

export function pullRequestPath(layout: ForgeLayout, number: number): string {
  return join(layout.pulls, `${number}.json`);
}

export function issuePath(layout: ForgeLayout, number: number): string {
  return join(layout.issues, `${number}.json`);
}

export function landingPath(layout: ForgeLayout, testedSha: string): string {
  return join(layout.landings, `${testedSha}.json`);
}

export function ciRunPath(layout: ForgeLayout, sha: string): string {
  return join(layout.ci, sha, "run.json");
}

export function ciLogPath(layout: ForgeLayout, sha: string): string {
  return join(layout.ci, sha, "log.txt");
}

/** The record at `path`, or null when there is none; a file that does not parse is a StateError. */
export async function readRecord<T>(path: string, schema: z.ZodType<T>): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  let parsed: z.ZodSafeParseResult<T>;
  try {
    parsed = schema.safeParse(JSON.parse(text));
  } catch (error) {
    throw new StateError(`The local forge record ${path} is not valid JSON.`, {
      cause: error,
      hint: recordHint,
    });
  }
  if (!parsed.success) {
    throw new StateError(
      `The local forge record ${path} does not have the expected shape: ${parsed.error.message}`,
      {
        hint: recordHint,
      },
    );
  }
  return parsed.data;
}

const recordHint = "Restore the file from a backup or delete it; the forge's other records are unaffected.";

export async function writeRecord(path: string, record: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`, { fsync: true });
}

/** The numbers of the `<n>.json` records in `directory`, ascending. */
export async function listRecordNumbers(directory: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .map((name) => /^(\d+)\.json$/.exec(name)?.[1])
    .filter((digits) => digits !== undefined)
    .map(Number)
    .sort((left, right) => left - right);
}
