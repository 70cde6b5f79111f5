/**
 * Answers TokenReview and SubjectAccessReview creates from the server's own authenticator and
 * authorizer, without storing anything (kube-apiserver's tokenreview and subjectaccessreview
 * REST storage). Node agents rely on them to check the callers of their HTTPS server.
 */
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import { getPath, isJsonObject, REVIEW_KINDS, stringAt, type ResourceDefinition } from "../registry/index.js";
import { GROUP_MASTERS } from "./authn.js";
import type { Call } from "./call.js";
import { writeJson } from "./respond.js";
import { asObject, readObject } from "./request-params.js";
import { unsupported } from "./status.js";

export function isReviewKind(def: ResourceDefinition): boolean {
  return REVIEW_KINDS.includes(def);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

export async function serveReview(call: Call): Promise<void> {
  if (call.verb !== "create") throw unsupported("MethodNotAllowed", `${call.def.plural} only allow create`);
  const review = asObject(await readObject(call.req, call.ctx, call.def), call.def);
  const spec = isJsonObject(review["spec"]) ? review["spec"] : {};
  const status =
    call.def.kind === "TokenReview" ? tokenReviewStatus(call, spec) : await accessReviewStatus(call, spec);
  writeJson(call.res, 201, {
    apiVersion: `${call.def.group}/${call.def.version}`,
    kind: call.def.kind,
    metadata: { creationTimestamp: null },
    spec,
    status,
  });
}

function tokenReviewStatus(call: Call, spec: Record<string, unknown>): Record<string, unknown> {
  const token = typeof spec["token"] === "string" ? spec["token"] : "";
  if (token === "") throw new BerthError(ErrorCode.Invalid, "TokenReview: spec.token must be set");
  const user = call.ctx.authenticator.userForToken(token);
  if (user === undefined) return { authenticated: false, user: {}, error: "invalid bearer token" };
  return { authenticated: true, user: { username: user.name, groups: [...user.groups] } };
}

async function accessReviewStatus(
  call: Call,
  spec: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const name = typeof spec["user"] === "string" ? spec["user"] : "";
  const groups = strings(spec["groups"]);
  if (name === "" && groups.length === 0) {
    throw new BerthError(
      ErrorCode.Invalid,
      "SubjectAccessReview: at least one of user or group must be specified",
    );
  }
  const attrs = spec["resourceAttributes"];
  if (!isJsonObject(attrs)) {
    // Non-resource URLs (/healthz, /metrics of the API server): only cluster administrators.
    const allowed = groups.includes(GROUP_MASTERS);
    return allowed
      ? { allowed }
      : { allowed, reason: `no rule grants ${String(getPath(spec, "nonResourceAttributes", "path") ?? "")}` };
  }
  const text = (k: string) => stringAt(attrs, k);
  try {
    await call.ctx.authorizer.authorize({
      user: { name, groups },
      verb: text("verb"),
      group: text("group"),
      resource: text("resource"),
      ...(text("subresource") !== "" ? { subresource: text("subresource") } : {}),
      ...(text("namespace") !== "" ? { namespace: text("namespace") } : {}),
      ...(text("name") !== "" ? { name: text("name") } : {}),
    });
    return { allowed: true };
  } catch (err) {
    if (err instanceof BerthError && err.code === ErrorCode.Forbidden) {
      return { allowed: false, reason: errorMessage(err) };
    }
    throw err;
  }
}
