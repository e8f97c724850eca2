/**
 * Playbooks: Markdown files with YAML front matter (id, triggers, max_attempts, on_exhausted);
 * the body is the guidance handed to the worker, filled with the evidence that triggered it. They
 * are validated at start: a bad one stops the run before anything happens, naming file and field.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { PlanError, type PlanProblem } from "../errors.ts";
import { createPlanLocator, didYouMean, formatPlanPath, gateIds } from "../plan/index.ts";
import { fillTemplate } from "../prompts/index.ts";

export const signalKinds = [
  "claim_rejected",
  "stopped_without_claim",
  "stopped_after_pr",
  "idle",
  "repeat",
  "no_progress",
  "budget_warning",
  "budget_exhausted",
  "max_rejections",
  "ci_red",
  "model_blocked",
  /** A gate could not run in the sandbox (a program missing): never the worker's, a human fixes it. */
  "environment_problem",
] as const;
export type SignalKind = (typeof signalKinds)[number];

/** The variables a playbook body may use; rendering fails on any other. */
export const playbookVariables = [
  "workstream",
  "goal",
  "signal",
  "evidence",
  "gates",
  "attempt",
  "max_attempts",
  "base",
  "branch",
] as const;

const playbookFrontMatterSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "use lower-case letters, digits and dashes"),
  title: z.string().min(1),
  triggers: z.strictObject({
    signals: z.array(z.enum(signalKinds)).min(1),
    // Checked against the gates the plan can name (built-in and its own) once parsed.
    gates: z.array(z.string()).default([]),
    log_patterns: z
      .array(
        z.string().refine((pattern) => {
          try {
            new RegExp(pattern, "i");
            return true;
          } catch {
            return false;
          }
        }, "not a valid regular expression"),
      )
      .default([]),
  }),
  max_attempts: z.number().int().positive().default(2),
  on_exhausted: z.enum(["continue", "escalate"]).default("continue"),
});

export interface Playbook {
  id: string;
  title: string;
  file: string;
  signals: SignalKind[];
  gates: string[];
  logPatterns: RegExp[];
  /**
   * The plan's gates that name this playbook (a gate's `playbooks:`): when one of them rejects a
   * claim, this playbook applies whatever its own gate and log triggers say.
   */
  namedByGates: string[];
  maxAttempts: number;
  onExhausted: "continue" | "escalate";
  body: string;
}

export const builtInPlaybooksDirectory = fileURLToPath(new URL("../../playbooks/", import.meta.url));

/**
 * Parses one playbook; problems carry file:line:column of the front matter field. `gates` are the
 * names its gate triggers may use: the built-in gates, and those the plan defines.
 */
export function parsePlaybook(
  source: string,
  file: string,
  gates: readonly string[] = gateIds,
): { playbook?: Playbook; problems: PlanProblem[] } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(source);
  if (!match) {
    return {
      problems: [
        {
          file,
          line: 1,
          column: 1,
          path: "",
          message: "a playbook starts with YAML front matter between --- lines",
        },
      ],
    };
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(match[1]!, { lineCounter, prettyErrors: false });
  // The front matter starts on line 2 of the file.
  const shift = (problem: PlanProblem): PlanProblem => ({ ...problem, line: problem.line + 1 });
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return shift({
          file,
          line: position.line,
          column: position.col,
          path: "",
          message: error.message.split("\n")[0]!,
        });
      }),
    };
  }
  const locate = createPlanLocator(document, lineCounter, file);
  const parsed = playbookFrontMatterSchema.safeParse(document.toJS());
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => {
        const path = issue.path.filter((part): part is string | number => typeof part !== "symbol");
        const position =
          issue.code === "unrecognized_keys" ? locate.keyAt([...path, issue.keys[0]!]) : locate.valueAt(path);
        const fieldPath = issue.code === "unrecognized_keys" ? [...path, issue.keys[0]!] : path;
        return shift({ file, ...position, path: formatPlanPath(fieldPath), message: issue.message });
      }),
    };
  }
  const body = match[2]!.trim();
  const bodyLine = match[1]!.split("\n").length + 3;
  const problems: PlanProblem[] = parsed.data.triggers.gates.flatMap((gate, index) => {
    if (gates.includes(gate)) return [];
    const path = ["triggers", "gates", index];
    return [
      shift({
        file,
        ...locate.valueAt(path),
        path: formatPlanPath(path),
        message: `unknown gate "${gate}"${didYouMean(gate, gates)}; gates are ${gates.join(", ")}`,
      }),
    ];
  });
  try {
    fillTemplate(file, body, Object.fromEntries(playbookVariables.map((name) => [name, "x"])));
  } catch (error) {
    problems.push({ file, line: bodyLine, column: 1, path: "body", message: (error as Error).message });
  }
  if (body.length === 0)
    problems.push({
      file,
      line: bodyLine,
      column: 1,
      path: "body",
      message: "the body (the guidance for the worker) is empty",
    });
  if (problems.length > 0) return { problems };
  const front = parsed.data;
  return {
    problems: [],
    playbook: {
      id: front.id,
      title: front.title,
      file,
      signals: front.triggers.signals,
      gates: front.triggers.gates,
      logPatterns: front.triggers.log_patterns.map((pattern) => new RegExp(pattern, "i")),
      namedByGates: [],
      maxAttempts: front.max_attempts,
      onExhausted: front.on_exhausted,
      body,
    },
  };
}

/**
 * Loads every `*.md` of the folders in order; later folders override playbooks of the same id.
 * `gates`: the names gate triggers may use (playbookGatesFor).
 */
export async function loadPlaybooks(
  directories: readonly string[],
  gates: readonly string[] = gateIds,
): Promise<Playbook[]> {
  const byId = new Map<string, Playbook>();
  const problems: PlanProblem[] = [];
  for (const directory of directories) {
    let names: string[];
    try {
      names = (await readdir(directory)).filter((name) => name.endsWith(".md")).sort();
    } catch (error) {
      problems.push({
        file: directory,
        line: 1,
        column: 1,
        path: "playbooks",
        message: `cannot read the playbook folder: ${(error as Error).message}`,
      });
      continue;
    }
    for (const name of names) {
      const file = join(directory, name);
      const parsed = parsePlaybook(await readFile(file, "utf8"), file, gates);
      problems.push(...parsed.problems);
      if (parsed.playbook) byId.set(parsed.playbook.id, parsed.playbook);
    }
  }
  if (problems.length > 0) throw new PlanError(problems);
  return [...byId.values()];
}

export function renderPlaybook(
  playbook: Playbook,
  variables: Record<(typeof playbookVariables)[number], string | number>,
): string {
  return fillTemplate(playbook.file, playbook.body, variables).trim();
}

/**
 * The playbooks a plan runs with: the built-in ones and its own folder's, each knowing which of the
 * plan's gates name it, so a failing `fmt: { run: cargo fmt --check, playbooks: [lint-format] }`
 * brings lint-format whatever words its log holds.
 */
export async function loadPlanPlaybooks(plan: {
  playbooks: string | undefined;
  gates: Record<string, { name: string; playbooks: readonly string[] }>;
}): Promise<Playbook[]> {
  const playbooks = await loadPlaybooks(playbookDirectoriesFor(plan), playbookGatesFor(plan));
  const gates = Object.values(plan.gates);
  return playbooks.map((playbook) => ({
    ...playbook,
    namedByGates: gates.filter((gate) => gate.playbooks.includes(playbook.id)).map((gate) => gate.name),
  }));
}

/** The gates a playbook of this plan may trigger on: the built-in ones and the plan's own. */
export function playbookGatesFor(plan: { gates: Record<string, unknown> }): string[] {
  return [...gateIds, ...Object.keys(plan.gates)];
}

/** The built-in playbooks, then the plan's own folder (its ids override the built-in ones). */
export function playbookDirectoriesFor(plan: { playbooks: string | undefined }): string[] {
  return plan.playbooks === undefined
    ? [builtInPlaybooksDirectory]
    : [builtInPlaybooksDirectory, plan.playbooks];
}
