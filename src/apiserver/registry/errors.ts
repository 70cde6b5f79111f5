/** The Kubernetes-shaped errors the registry raises; http/status.ts turns them into Status objects. */
import { BerthError, ErrorCode } from "../../common/errors.js";
import type { ResourceDefinition } from "./resource.js";

function qualified(def: ResourceDefinition): string {
  return def.group === "" ? def.plural : `${def.plural}.${def.group}`;
}

function details(def: ResourceDefinition, name: string): Record<string, unknown> {
  return { group: def.group, kind: def.plural, name };
}

export function notFound(def: ResourceDefinition, name: string): BerthError {
  return new BerthError(ErrorCode.NotFound, `${qualified(def)} "${name}" not found`, {
    details: details(def, name),
  });
}

export function alreadyExists(def: ResourceDefinition, name: string): BerthError {
  return new BerthError(ErrorCode.AlreadyExists, `${qualified(def)} "${name}" already exists`, {
    details: details(def, name),
  });
}

export function conflict(def: ResourceDefinition, name: string, why?: string): BerthError {
  const reason =
    why ?? "the object has been modified; please apply your changes to the latest version and try again";
  return new BerthError(
    ErrorCode.Conflict,
    `Operation cannot be fulfilled on ${qualified(def)} "${name}": ${reason}`,
    {
      details: details(def, name),
    },
  );
}

export function badRequest(message: string): BerthError {
  return new BerthError(ErrorCode.BadRequest, message);
}

export function forbidden(message: string): BerthError {
  return new BerthError(ErrorCode.Forbidden, message);
}
