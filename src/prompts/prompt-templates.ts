/**
 * Every text the model (or a CLI agent) sees is a Markdown file in `prompts/` with `{{name}}`
 * placeholders. Code picks a template and supplies the data; a missing variable is an error, never
 * an empty hole in a prompt.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const promptsDirectory = fileURLToPath(new URL("../../prompts/", import.meta.url));

export class MissingPromptVariableError extends Error {
  constructor(template: string, variable: string) {
    super(`prompt template ${template} needs the variable "${variable}", which was not supplied`);
    this.name = "MissingPromptVariableError";
  }
}

const placeholder = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi;

/** Fills `{{name}}` placeholders; `{{#name}}…{{/name}}` keeps its body only when `name` is non-empty. */
export function fillTemplate(
  templateName: string,
  text: string,
  variables: Record<string, string | number | undefined>,
): string {
  const withSections = text.replace(
    /\{\{#([a-z_][a-z0-9_]*)\}\}([\s\S]*?)\{\{\/\1\}\}/gi,
    (_match, name: string, body: string) => {
      if (!(name in variables)) throw new MissingPromptVariableError(templateName, name);
      const value = variables[name];
      return value === undefined || value === "" ? "" : body;
    },
  );
  return withSections.replace(placeholder, (_match, name: string) => {
    const value = variables[name];
    if (value === undefined) throw new MissingPromptVariableError(templateName, name);
    return String(value);
  });
}

const cache = new Map<string, string>();

export function readPromptTemplate(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(`${promptsDirectory}${name}.md`, "utf8");
    cache.set(name, text);
  }
  return text;
}

export function renderPrompt(name: string, variables: Record<string, string | number | undefined>): string {
  return fillTemplate(name, readPromptTemplate(name), variables).trim();
}

/** The variables a template mentions, so a test can render every template with all of them. */
export function templateVariables(name: string): string[] {
  const names = new Set<string>();
  const text = readPromptTemplate(name);
  for (const match of text.matchAll(placeholder)) names.add(match[1]!);
  for (const match of text.matchAll(/\{\{#([a-z_][a-z0-9_]*)\}\}/gi)) names.add(match[1]!);
  return [...names];
}
