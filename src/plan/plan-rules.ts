/**
 * Cross-checks the schema cannot express, run on a document that already matches it. Each rule is
 * a small pure function from the document (and where its nodes are) to problems.
 */

import { didYouMean } from "../closest-match.ts";
import type { PlanProblem } from "../errors.ts";
import { type BuiltInGateId, gateIds, isBuiltInGate } from "./built-in-gates.ts";
import { formatPlanPath, type PlanLocator, type PlanPath, problemAt } from "./plan-locator.ts";
import { builtInDoneFor, phaseOrder } from "./resolve-plan.ts";
import { builtInDefaults, type PlanDocument, workstreamIdPattern } from "./schema.ts";

export type PlanRule = (document: PlanDocument, locate: PlanLocator) => PlanProblem[];

const idPath = (index: number): PlanPath => ["workstreams", index, "id"];

/** Each id names one workstream: dependencies, branches and state files are keyed by it. */
export const uniqueWorkstreamIds: PlanRule = (document, locate) => {
  const firstIndex = new Map<string, number>();
  const problems: PlanProblem[] = [];
  for (const [index, workstream] of document.workstreams.entries()) {
    const first = firstIndex.get(workstream.id);
    if (first === undefined) {
      firstIndex.set(workstream.id, index);
      continue;
    }
    const firstLine = locate.valueAt(idPath(first)).line;
    problems.push(
      problemAt(
        locate,
        idPath(index),
        `duplicate workstream id "${workstream.id}" (first used on line ${firstLine})`,
      ),
    );
  }
  return problems;
};

/** Ids become the branch `supervise/<id>` and file names, so they must be plain git ref components. */
export const branchSafeWorkstreamIds: PlanRule = (document, locate) =>
  document.workstreams.flatMap((workstream, index) => {
    const reason = branchNameFlaw(workstream.id);
    if (reason === undefined) return [];
    return [
      problemAt(locate, idPath(index), `workstream id "${workstream.id}" cannot be a branch name: ${reason}`),
    ];
  });

function branchNameFlaw(id: string): string | undefined {
  if (!workstreamIdPattern.test(id)) {
    return 'use letters, digits, ".", "_" and "-", starting with a letter or a digit';
  }
  if (id.includes("..")) return 'it must not contain ".."';
  if (id.endsWith(".")) return 'it must not end with "."';
  if (id.toLowerCase().endsWith(".lock")) return 'it must not end with ".lock"';
  return undefined;
}

/**
 * Branches `supervise/WS1` and `supervise/ws1` are one file under .git/refs on a case-insensitive
 * file system (macOS, Windows), so ids that differ only in case collide.
 */
export const caseDistinctWorkstreamIds: PlanRule = (document, locate) => {
  const firstByFoldedId = new Map<string, number>();
  const problems: PlanProblem[] = [];
  for (const [index, workstream] of document.workstreams.entries()) {
    const folded = workstream.id.toLowerCase();
    const first = firstByFoldedId.get(folded);
    if (first === undefined) {
      firstByFoldedId.set(folded, index);
      continue;
    }
    const other = document.workstreams[first]!.id;
    // Exact duplicates are uniqueWorkstreamIds' problem.
    if (other === workstream.id) continue;
    problems.push(
      problemAt(
        locate,
        idPath(index),
        `workstream id "${workstream.id}" differs from "${other}" (line ${locate.valueAt(idPath(first)).line}) only in case; ` +
          "their branches would collide on a case-insensitive file system",
      ),
    );
  }
  return problems;
};

/** Every `depends_on` entry names another workstream of the plan. */
export const knownDependencies: PlanRule = (document, locate) => {
  const ids = document.workstreams.map((workstream) => workstream.id);
  const known = new Set(ids);
  const problems: PlanProblem[] = [];
  for (const [index, workstream] of document.workstreams.entries()) {
    for (const [position, dependency] of workstream.depends_on.entries()) {
      const path = ["workstreams", index, "depends_on", position];
      if (dependency === workstream.id) {
        problems.push(problemAt(locate, path, `workstream "${workstream.id}" depends on itself`));
      } else if (!known.has(dependency)) {
        const others = ids.filter((id) => id !== workstream.id);
        problems.push(
          problemAt(
            locate,
            path,
            `depends_on names unknown workstream "${dependency}"${didYouMean(dependency, others)}`,
          ),
        );
      }
    }
  }
  return problems;
};

/**
 * Dependencies form no cycle. Each cycle found by a depth-first search is named whole and reported
 * once, at the `depends_on` entry of its first workstream in plan order. Where cycles overlap, the
 * search may name only some of them; fixing those reveals the rest on the next validation.
 */
export const acyclicDependencies: PlanRule = (document, locate) => {
  const indexById = new Map<string, number>();
  for (const [index, workstream] of document.workstreams.entries()) {
    if (!indexById.has(workstream.id)) indexById.set(workstream.id, index);
  }
  const dependenciesOf = (id: string): string[] => {
    const workstream = document.workstreams[indexById.get(id)!]!;
    return workstream.depends_on.filter((dependency) => dependency !== id && indexById.has(dependency));
  };

  const finished = new Set<string>();
  const onStack: string[] = [];
  const reported = new Set<string>();
  const problems: PlanProblem[] = [];

  const visit = (id: string): void => {
    onStack.push(id);
    for (const dependency of dependenciesOf(id)) {
      const start = onStack.indexOf(dependency);
      if (start !== -1) {
        const cycle = rotateToFirstInPlan(onStack.slice(start), indexById);
        const key = cycle.join("\u0000");
        if (!reported.has(key)) {
          reported.add(key);
          const [first, second] = cycle as [string, string];
          const firstIndex = indexById.get(first)!;
          const entry = document.workstreams[firstIndex]!.depends_on.indexOf(second);
          const path = ["workstreams", firstIndex, "depends_on", entry];
          problems.push(problemAt(locate, path, `dependency cycle: ${[...cycle, first].join(" → ")}`));
        }
      } else if (!finished.has(dependency)) {
        visit(dependency);
      }
    }
    onStack.pop();
    finished.add(id);
  };
  for (const id of indexById.keys()) if (!finished.has(id)) visit(id);
  return problems;
};

/** The same cycle found from different starting points names the same workstreams in the same order. */
function rotateToFirstInPlan(cycle: string[], indexById: Map<string, number>): string[] {
  let start = 0;
  for (const [position, id] of cycle.entries()) {
    if (indexById.get(id)! < indexById.get(cycle[start]!)!) start = position;
  }
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}

interface Sourced<Value> {
  value: Value;
  /** Where the plan sets it; undefined for a built-in default. */
  path: PlanPath | undefined;
  /** Set by the workstream itself rather than by `defaults` or a built-in default. */
  isWorkstreamLevel: boolean;
}

function effectiveDone(document: PlanDocument, index: number): Sourced<string[]> {
  const workstream = document.workstreams[index]!;
  if (workstream.done !== undefined) {
    return { value: workstream.done, path: ["workstreams", index, "done"], isWorkstreamLevel: true };
  }
  if (document.defaults.done !== undefined) {
    return { value: document.defaults.done, path: ["defaults", "done"], isWorkstreamLevel: false };
  }
  return { value: builtInDoneFor(workstream.issue), path: undefined, isWorkstreamLevel: false };
}

type CommandName = "check" | "build" | "ci";

function effectiveCommand(document: PlanDocument, index: number, name: CommandName): Sourced<string | null> {
  const own = document.workstreams[index]!.commands?.[name];
  if (own !== undefined) {
    return { value: own, path: ["workstreams", index, "commands", name], isWorkstreamLevel: true };
  }
  const planDefault = document.defaults.commands?.[name];
  if (planDefault !== undefined) {
    return { value: planDefault, path: ["defaults", "commands", name], isWorkstreamLevel: false };
  }
  return { value: builtInDefaults.commands[name] ?? null, path: undefined, isWorkstreamLevel: false };
}

/** How to drop a gate, depending on which done list asked for it. */
function withoutGate(gate: string, done: Sourced<string[]>): string {
  if (done.path !== undefined) return `remove ${gate} from ${formatPlanPath(done.path)}`;
  return `set a done list without ${gate} (the built-in default done list includes it)`;
}

/**
 * A gate that runs a command needs that command. The built-in defaults supply all three, so this
 * fires when the plan sets one to null and still asks for its gate. One problem per place to fix:
 * a problem caused entirely by `defaults` is reported once, not once per workstream.
 */
export const gateCommandsPresent: PlanRule = (document, locate) => {
  const needs: [BuiltInGateId, CommandName][] = [
    ["local_check", "check"],
    ["release_build", "build"],
  ];
  // On GitHub, CI is the repository's own workflows; only the local forge runs commands.ci.
  if (document.forge.kind === "local") needs.push(["ci_green", "ci"]);
  const problems = new Map<string, PlanProblem>();
  for (const index of document.workstreams.keys()) {
    const done = effectiveDone(document, index);
    for (const [gate, name] of needs) {
      const gateIndex = done.value.indexOf(gate);
      if (gateIndex === -1) continue;
      const command = effectiveCommand(document, index, name);
      if (command.value !== null || command.path === undefined) continue;
      // Point at the gate when this workstream lists it, otherwise at the null command.
      const path =
        done.isWorkstreamLevel && done.path !== undefined ? [...done.path, gateIndex] : command.path;
      const message =
        `gate ${gate} runs commands.${name}, but ${formatPlanPath(command.path)} is null: ` +
        `set a command there, or ${withoutGate(gate, done)}`;
      const problem = problemAt(locate, path, message);
      problems.set(`${problem.line}:${problem.column}:${message}`, problem);
    }
  }
  return [...problems.values()];
};

/** `issue_closed` checks the workstream's issue, so the workstream must name one. */
export const issueForIssueClosed: PlanRule = (document, locate) =>
  document.workstreams.flatMap((workstream, index) => {
    const done = effectiveDone(document, index);
    const gateIndex = done.value.indexOf("issue_closed");
    if (gateIndex === -1 || workstream.issue !== undefined) return [];
    const message =
      `gate issue_closed needs the workstream's issue: add "issue: <number>", ` +
      `or ${withoutGate("issue_closed", done)}`;
    // Point at the gate when this workstream lists it; otherwise at the workstream that lacks the issue.
    if (done.isWorkstreamLevel && done.path !== undefined) {
      return [problemAt(locate, [...done.path, gateIndex], message)];
    }
    return [
      problemAt(locate, ["workstreams", index, "issue"], message, locate.valueAt(["workstreams", index])),
    ];
  });

/**
 * A plan's gate is named where built-in ids are, in `done`: one name, two gates would be ambiguous,
 * and a plan cannot redefine what a built-in gate checks.
 */
export const planGateNamesFree: PlanRule = (document, locate) =>
  Object.keys(document.gates)
    .filter(isBuiltInGate)
    .map((name) =>
      problemAt(
        locate,
        ["gates", name],
        `gate "${name}" is a built-in gate: give the plan's gate another name (built-in gates need no definition)`,
        locate.keyAt(["gates", name]),
      ),
    );

/** Every name in a done list is a built-in gate or one the plan defines under `gates`. */
export const knownGatesInDone: PlanRule = (document, locate) => {
  const known = [...gateIds, ...Object.keys(document.gates).filter((name) => !isBuiltInGate(name))];
  const lists: [PlanPath, string[] | undefined][] = [
    [["defaults", "done"], document.defaults.done],
    ...document.workstreams.map((workstream, index): [PlanPath, string[] | undefined] => [
      ["workstreams", index, "done"],
      workstream.done,
    ]),
  ];
  return lists.flatMap(([path, done]) =>
    (done ?? []).flatMap((name, position) =>
      known.includes(name)
        ? []
        : [
            problemAt(
              locate,
              [...path, position],
              `unknown gate "${name}"${didYouMean(name, known)}; gates are ${known.join(", ")}`,
            ),
          ],
    ),
  );
};

/**
 * A host allow-list is enforced by the sandbox's private network; without bubblewrap there is
 * none, and a list that silently allowed everything would be worse than no list.
 */
export const allowListNeedsIsolation: PlanRule = (document, locate) => {
  const sandbox = document.sandbox;
  if (!sandbox || sandbox.isolation !== "none" || typeof sandbox.network !== "object") return [];
  return [
    problemAt(
      locate,
      ["sandbox", "network"],
      "a host allow-list needs `isolation: bwrap` (without it commands reach every host); use `network: host`, or remove `isolation: none`",
    ),
  ];
};

/** With a `phases` map, every phase a workstream names is one of it (a typo must not make a new phase). */
export const knownPhases: PlanRule = (document, locate) => {
  if (document.phases === undefined) return [];
  const known = Object.keys(document.phases);
  return document.workstreams.flatMap((workstream, index) =>
    workstream.phase === undefined || known.includes(workstream.phase)
      ? []
      : [
          problemAt(
            locate,
            ["workstreams", index, "phase"],
            `unknown phase "${workstream.phase}"${didYouMean(workstream.phase, known)}; phases are ${known.join(", ") || "none"} (under phases)`,
          ),
        ],
  );
};

/**
 * A phase gate named by name is one the plan defines, and passes or fails by its exit code: a
 * metric gate compares a claim with its base, and on the integrated base there is no claim.
 */
export const knownPhaseGates: PlanRule = (document, locate) =>
  Object.entries(document.phases ?? {}).flatMap(([phase, definition]) =>
    definition.gates.flatMap((gate, position) => {
      if (typeof gate !== "string") return [];
      const path = ["phases", phase, "gates", position];
      const defined = Object.keys(document.gates).filter((name) => !isBuiltInGate(name));
      if (isBuiltInGate(gate)) {
        return [
          problemAt(
            locate,
            path,
            `"${gate}" is a built-in gate of a claim; a phase runs commands on the integrated base: name a gate defined under gates, or write { run: COMMAND }`,
          ),
        ];
      }
      if (!defined.includes(gate)) {
        return [
          problemAt(
            locate,
            path,
            `unknown gate "${gate}"${didYouMean(gate, defined)}; a phase gate is a gate defined under gates (${defined.join(", ") || "none"}) or { run: COMMAND }`,
          ),
        ];
      }
      if (document.gates[gate]?.metric !== undefined) {
        return [
          problemAt(
            locate,
            path,
            `gate "${gate}" has a metric, which compares a claim with its base; on the integrated base there is no claim: use a gate without metric, or { run: COMMAND }`,
          ),
        ];
      }
      return [];
    }),
  );

/** A workstream waits for the phases before its own, so it cannot depend on one of a later phase. */
export const dependenciesInEarlierPhases: PlanRule = (document, locate) => {
  const order = phaseOrder(document);
  const phaseOf = new Map(document.workstreams.map((workstream) => [workstream.id, workstream.phase]));
  return document.workstreams.flatMap((workstream, index) => {
    if (workstream.phase === undefined) return [];
    const own = order.indexOf(workstream.phase);
    return workstream.depends_on.flatMap((dependency, position) => {
      const phase = phaseOf.get(dependency);
      if (phase === undefined || order.indexOf(phase) <= own) return [];
      return [
        problemAt(
          locate,
          ["workstreams", index, "depends_on", position],
          `workstream "${workstream.id}" of phase ${workstream.phase} depends on "${dependency}" of the later phase ${phase}, which starts only after ${workstream.phase} is done: move one of them, or drop the dependency`,
        ),
      ];
    });
  });
};

export const planRules: readonly PlanRule[] = [
  uniqueWorkstreamIds,
  branchSafeWorkstreamIds,
  caseDistinctWorkstreamIds,
  knownDependencies,
  acyclicDependencies,
  planGateNamesFree,
  knownGatesInDone,
  gateCommandsPresent,
  issueForIssueClosed,
  allowListNeedsIsolation,
  knownPhases,
  knownPhaseGates,
  dependenciesInEarlierPhases,
];

/** Every rule's problems, in no particular order (the caller sorts). */
export function checkPlanRules(document: PlanDocument, locate: PlanLocator): PlanProblem[] {
  return planRules.flatMap((rule) => rule(document, locate));
}
