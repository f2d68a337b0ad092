import { z } from "zod";
import { endpointMode, type Endpoint } from "./endpoint";

/**
 * The OpenAPI 3.1 document of both API families, generated from the endpoints' own zod schemas (the objects the
 * door validates with, app/_server/api/endpoint.ts): nothing is written twice, so the document can't drift from
 * what the routes accept. Served at GET /api/openapi.json and rendered at /docs/api; a snapshot is committed at
 * docs/api/openapi.json (`npm run openapi` rewrites it; a test fails when it is stale).
 */

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    securitySchemes: Record<string, unknown>;
    schemas: Record<string, JsonSchema>;
  };
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: OpenApiParameter[];
  requestBody?: { required: boolean; content: { "application/json": { schema: JsonSchema } } };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
  "x-family": "console" | "apolo";
  /** The token scope the endpoint needs: `read` (any token) or `write` (a read and write token). */
  "x-token-scope": "read" | "write";
  "x-idempotency-key"?: boolean;
}

export interface OpenApiParameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  description?: string;
  schema: JsonSchema;
  style?: string;
  explode?: boolean;
}

/** JSON Schema of a zod schema, as a client must send it (`input`) or will receive it (`output`). */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const out = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
  delete out.$schema;
  return out;
}

function objectProperties(schema: z.ZodType | undefined): { name: string; schema: JsonSchema; required: boolean }[] {
  if (!schema) return [];
  const json = jsonSchemaOf(schema, "input");
  const props = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({ name, schema: s, required: required.has(name) }));
}

const CONSOLE_ERROR: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "not_found, forbidden, invalid, conflict, rate_limited, …" },
        message: { type: "string" },
        fields: {
          type: "object",
          additionalProperties: { type: "array", items: { type: "string" } },
          description: "Per-field messages, when the request had invalid fields.",
        },
      },
    },
  },
};

const APOLO_ERROR: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: { type: "string", description: "A readable message (the apolo CLI prints it)." },
    code: { type: "string" },
    fields: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
  },
};

const ERRORS: Record<string, string> = {
  "400": "The body isn't JSON.",
  "401": "No valid personal access token (missing, unknown, revoked or expired).",
  "403": "The token's user may not do this, or the token is read-only.",
  "404": "Not found, or not visible to the token's user.",
  "409": "Conflicts with the current state (or an Idempotency-Key reused with another request).",
  "413": "The body is too large.",
  "422": "Invalid fields: `fields` names each one.",
  "429": "Too many requests with this token (Retry-After says when to retry).",
  "503": "The console can't reach its database right now (Retry-After).",
};

function operationId(spec: Endpoint["spec"]): string {
  const words = spec.path
    .replace(/^\/(api|apis\/admin)\/v1\//, "")
    .split(/[/{}._-]+/)
    .filter(Boolean);
  const family = spec.family === "apolo" ? "admin" : "console";
  return [family, spec.method.toLowerCase(), ...words]
    .map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1)))
    .join("");
}

/** The document for `endpoints`; `serverUrl` is the console's URL (the document names absolute servers). */
export function buildOpenApi(endpoints: Endpoint[], serverUrl: string): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  const tags = new Map<string, string | undefined>();
  const sorted = [...endpoints].sort(
    (a, b) => a.spec.path.localeCompare(b.spec.path) || a.spec.method.localeCompare(b.spec.method),
  );
  for (const { spec } of sorted) {
    tags.set(spec.tag, undefined);
    const parameters: OpenApiParameter[] = [
      ...objectProperties(spec.params).map((p) => ({
        name: p.name,
        in: "path" as const,
        required: true,
        schema: p.schema,
        ...(typeof p.schema.description === "string" ? { description: p.schema.description } : {}),
      })),
      ...objectProperties(spec.query).map((p) => ({
        name: p.name,
        in: "query" as const,
        required: p.required,
        schema: p.schema,
        ...(typeof p.schema.description === "string" ? { description: p.schema.description } : {}),
        ...(p.schema.anyOf || p.schema.type === "array" ? { style: "form", explode: true } : {}),
      })),
    ];
    if (spec.idempotent) {
      parameters.push({
        name: "Idempotency-Key",
        in: "header",
        required: false,
        description: "A retry with the same key and body gets the first answer instead of repeating the work (24 h).",
        schema: { type: "string", maxLength: 255 },
      });
    }
    const status = String(spec.status ?? 200);
    const errorSchema = spec.family === "apolo" ? APOLO_ERROR : CONSOLE_ERROR;
    const responses: OpenApiOperation["responses"] = {
      [status]:
        status === "204"
          ? { description: "Done (no body)." }
          : {
              description: "Success.",
              ...(spec.response
                ? { content: { "application/json": { schema: jsonSchemaOf(spec.response, "output") } } }
                : {}),
            },
    };
    for (const [code, description] of Object.entries(ERRORS)) {
      if ((code === "400" || code === "413") && !spec.body) continue;
      if (code === "401" && spec.auth === "optional") continue;
      responses[code] = { description, content: { "application/json": { schema: errorSchema } } };
    }
    const op: OpenApiOperation = {
      operationId: operationId(spec),
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.tag],
      security: spec.auth === "optional" ? [{}, { bearer: [] }] : [{ bearer: [] }],
      parameters,
      ...(spec.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: jsonSchemaOf(spec.body, "input") } },
            },
          }
        : {}),
      responses,
      "x-family": spec.family,
      "x-token-scope": endpointMode(spec),
      ...(spec.idempotent ? { "x-idempotency-key": true } : {}),
    };
    (paths[spec.path] ??= {})[spec.method.toLowerCase()] = op;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Apolo Console API",
      version: "1",
      description:
        "Two families behind one personal access token (Account → Tokens; `Authorization: Bearer apolo_pat_…`). " +
        "`/api/v1/…` is the console's own API (JSON errors `{error: {code, message, fields?}}`, cursor paging, " +
        "`Idempotency-Key` on POSTs that create something or move credits). `/apis/admin/v1/…` is Apolo's admin " +
        "API, so the `apolo` CLI administers organizations here (`apolo config login-with-token <token> " +
        "<console>/api/v1`); its errors are `{error: <message>}` and credits are decimal strings, `null` for unlimited.",
    },
    servers: [{ url: serverUrl, description: "This console" }],
    tags: [...tags.keys()].sort().map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "A personal access token (Account → Tokens): apolo_pat_…",
        },
      },
      schemas: {},
    },
  };
}
