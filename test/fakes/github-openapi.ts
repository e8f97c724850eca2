/**
 * GitHub's own OpenAPI description (@octokit/openapi, api.github.com.json) as a validator for the
 * GitHub fake: every response it sends and every request body it receives is checked against the
 * operation's schema, so a fake that drifts from GitHub's real shapes fails the test that used it.
 *
 * The package root requires all ten spec files (~385 MB); only the one file is read, once per test
 * file (vitest gives each file its own module instance), in about half a second.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsPlugin from "ajv-formats";

interface OpenApiResponse {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}

interface OpenApiOperation {
  operationId: string;
  responses: Record<string, OpenApiResponse>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { responses: Record<string, OpenApiResponse> };
}

export interface GithubOpenApi {
  /** The operation id for `method template`, or undefined when GitHub has no such operation. */
  operationId(method: string, template: string): string | undefined;
  /** null when `body` is what the operation answers with `status`; else why it is not. */
  checkResponse(method: string, template: string, status: number, body: unknown): string | null;
  /** null when `body` fits the operation's JSON request body; else why it does not. */
  checkRequest(method: string, template: string, body: unknown): string | null;
}

const specId = "api.github.com";
let shared: GithubOpenApi | undefined;

export function githubOpenApi(): GithubOpenApi {
  shared ??= loadGithubOpenApi();
  return shared;
}

function loadGithubOpenApi(): GithubOpenApi {
  const require = createRequire(import.meta.url);
  const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
  const spec = JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument;
  makeNullableExplicit(spec);
  // OpenAPI 3.0 keywords (nullable, example, x-github) are not JSON Schema: strict mode is off.
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS with a default export; its runtime value is the plugin function.
  const addFormats = addFormatsPlugin as unknown as (instance: Ajv) => Ajv;
  addFormats(ajv);
  for (const format of ["timestamp", "double", "binary", "uri-template", "int32", "int64", "repo.nwo"]) {
    ajv.addFormat(format, true);
  }
  ajv.addSchema(spec, specId);
  const compiled = new Map<string, ValidateFunction>();

  function validator(pointer: string): ValidateFunction {
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `${specId}#${pointer}` });
      compiled.set(pointer, validate);
    }
    return validate;
  }

  function operation(method: string, template: string): OpenApiOperation | undefined {
    return spec.paths[template]?.[method.toLowerCase()];
  }

  function check(pointer: string, body: unknown): string | null {
    const validate = validator(pointer);
    if (validate(body)) return null;
    return ajv.errorsText(validate.errors, { separator: "; ", dataVar: "body" });
  }

  return {
    operationId: (method, template) => operation(method, template)?.operationId,

    checkResponse(method, template, status, body) {
      const found = operation(method, template);
      if (!found) return `GitHub has no operation ${method} ${template}`;
      let pointer = `/paths/${pointerToken(template)}/${method.toLowerCase()}/responses/${status}`;
      let response = found.responses[String(status)];
      if (response?.$ref) {
        const name = response.$ref.split("/").at(-1) ?? "";
        pointer = `/components/responses/${pointerToken(name)}`;
        response = spec.components.responses[name];
      }
      if (!response) {
        // GitHub may answer any operation with an error its description leaves out (rate limits,
        // 5xx); those bodies are GitHub's basic error.
        if (status >= 400) return check("/components/schemas/basic-error", body);
        if (status === 304) return body === null ? null : "a 304 has no body";
        return `${found.operationId} declares no ${status} response`;
      }
      const json = response.content?.["application/json"];
      if (!json?.schema) return body === null ? null : `${found.operationId} ${status} has no body`;
      return check(`${pointer}/content/application~1json/schema`, body);
    },

    checkRequest(method, template, body) {
      const found = operation(method, template);
      if (!found) return `GitHub has no operation ${method} ${template}`;
      const json = found.requestBody?.content?.["application/json"];
      if (!json?.schema) return body === null ? null : `${found.operationId} takes no body`;
      return check(
        `/paths/${pointerToken(template)}/${method.toLowerCase()}/requestBody/content/application~1json/schema`,
        body,
      );
    },
  };
}

/**
 * OpenAPI 3.0 puts `nullable: true` beside `$ref`, `allOf` or `anyOf` too; Ajv understands it only
 * beside `type` and refuses to compile the rest. Those become `anyOf: [schema, {type: "null"}]`.
 * A nullable `enum` must list null itself (a queued check run's conclusion is null), so it gets it.
 */
function makeNullableExplicit(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) makeNullableExplicit(item);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const schema = node as Record<string, unknown>;
  for (const value of Object.values(schema)) makeNullableExplicit(value);
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) {
    schema.enum = [...schema.enum, null];
  }
  if (schema.nullable === true && schema.type === undefined) {
    const { nullable: _nullable, ...rest } = schema;
    for (const key of Object.keys(schema)) delete schema[key];
    schema.anyOf = [rest, { type: "null" }];
  }
}

/** JSON Pointer escaping of one reference token. */
function pointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}
