/**
 * Plan source text → typed document, with every problem located at `file:line:column`: YAML syntax
 * errors, duplicate keys and schema issues, all at once and in source order. Pure: no file system.
 */
import {
  type Document,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLMap,
} from "yaml";
import type { PlanProblem } from "../errors.ts";
import { createPlanLocator, type PlanLocator, type PlanPath, problemAt } from "./plan-locator.ts";
import { type PlanDocument, planSchema } from "./schema.ts";
import { schemaProblems } from "./schema-problems.ts";

export interface ParsedPlan {
  /** The schema's output (defaults applied), when the source is valid YAML that matches the schema. */
  document: PlanDocument | undefined;
  problems: PlanProblem[];
  /** Positions of the source's nodes, for the checks that run on the document later. */
  locate: PlanLocator;
}

export function parsePlan(source: string, file: string): ParsedPlan {
  const lineCounter = new LineCounter();
  // prettyErrors off: we want yaml's bare message; the position comes from our line counter.
  const yamlDocument = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const locate = createPlanLocator(yamlDocument, lineCounter, file);
  const problems: PlanProblem[] = [];
  let isWellFormed = true;
  for (const error of yamlDocument.errors) {
    if (error.code === "DUPLICATE_KEY") {
      problems.push(duplicateKeyProblem(yamlDocument, lineCounter, locate, error.pos[0]));
    } else {
      isWellFormed = false;
      const { line, col } = lineCounter.linePos(error.pos[0]);
      problems.push({
        file,
        line,
        column: col,
        path: "",
        message: `invalid YAML: ${lowerFirst(error.message)}`,
      });
    }
  }
  // After a syntax error the tree is a guess; checking it against the schema would only add noise.
  if (!isWellFormed) return { document: undefined, problems: sortProblems(problems), locate };

  let data: unknown;
  try {
    data = yamlDocument.toJS();
  } catch (error) {
    // toJS refuses alias bombs ("Excessive alias count"); the file is not a usable plan.
    const message = `invalid YAML: ${lowerFirst((error as Error).message)}`;
    return {
      document: undefined,
      problems: [problemAt(locate, [], message, { line: 1, column: 1 })],
      locate,
    };
  }
  const result = planSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    problems.push(...schemaProblems(result.error.issues, data, planSchema, locate));
    return { document: undefined, problems: sortProblems(problems), locate };
  }
  return { document: result.data, problems: sortProblems(problems), locate };
}

/** Source order, so a reader fixes the file from top to bottom. */
export function sortProblems(problems: PlanProblem[]): PlanProblem[] {
  return problems.toSorted((left, right) => left.line - right.line || left.column - right.column);
}

function duplicateKeyProblem(
  yamlDocument: Document,
  lineCounter: LineCounter,
  locate: PlanLocator,
  offset: number,
): PlanProblem {
  const { line, col } = lineCounter.linePos(offset);
  const position = { line, column: col };
  const found = findKeyAtOffset(yamlDocument.contents, offset, []);
  if (found === undefined) return problemAt(locate, [], "duplicate field", position);
  const firstOffset = findFirstKey(found.map, found.key)?.range?.[0];
  const firstLine =
    firstOffset === undefined ? "" : ` (first set on line ${lineCounter.linePos(firstOffset).line})`;
  return problemAt(
    locate,
    [...found.path, found.key],
    `duplicate field "${found.key}"${firstLine}`,
    position,
  );
}

interface FoundKey {
  map: YAMLMap;
  path: PlanPath;
  key: string;
}

/** The mapping key that starts at `offset`, with the path of its mapping. */
function findKeyAtOffset(node: unknown, offset: number, path: PlanPath): FoundKey | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        return { map: node, path, key: String(pair.key.value) };
      }
      const key = isScalar(pair.key) ? String(pair.key.value) : "?";
      const found = findKeyAtOffset(pair.value, offset, [...path, key]);
      if (found !== undefined) return found;
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const found = findKeyAtOffset(item, offset, [...path, index]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function findFirstKey(map: YAMLMap, key: string): Node | undefined {
  const pair = map.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
  return isNode(pair?.key) ? pair.key : undefined;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
