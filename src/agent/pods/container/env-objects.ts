/**
 * The ConfigMaps and Secrets a container's env and envFrom name, read through the API before
 * its config is built (kubelet: makeEnvironmentVariables reads them the same way). A missing one
 * is left out: the config builder then fails the container unless the reference is optional.
 */
import type { IContainer, IPod } from "kubernetes-models/v1";
import type { ApiClient } from "../../../api/index.js";
import { resourcePath } from "../../../api/index.js";
import { isNotFound } from "../../../common/index.js";
import type { EnvObjects } from "./env.js";

interface DataObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

function referenced(container: IContainer): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const env of container.env ?? []) {
    const cm = env.valueFrom?.configMapKeyRef?.name;
    const secret = env.valueFrom?.secretKeyRef?.name;
    if (cm) configMaps.add(cm);
    if (secret) secrets.add(secret);
  }
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef?.name) configMaps.add(from.configMapRef.name);
    if (from.secretRef?.name) secrets.add(from.secretRef.name);
  }
  return { configMaps, secrets };
}

export async function fetchEnvObjects(
  client: Pick<ApiClient, "get">,
  pod: IPod,
  container: IContainer,
): Promise<EnvObjects> {
  const namespace = pod.metadata?.namespace ?? "default";
  const { configMaps, secrets } = referenced(container);
  const read = async (resource: string, name: string): Promise<DataObject | undefined> => {
    try {
      return await client.get<DataObject>(resourcePath({ resource, namespace, name }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const cmOut = new Map<string, Readonly<Record<string, string>>>();
  for (const name of configMaps) {
    const obj = await read("configmaps", name);
    if (obj !== undefined) cmOut.set(name, obj.data ?? {});
  }
  const secretOut = new Map<string, Readonly<Record<string, string>>>();
  for (const name of secrets) {
    const obj = await read("secrets", name);
    if (obj === undefined) continue;
    const decoded: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj.data ?? {}))
      decoded[k] = Buffer.from(v, "base64").toString("utf8");
    secretOut.set(name, decoded);
  }
  return { configMaps: cmOut, secrets: secretOut };
}
