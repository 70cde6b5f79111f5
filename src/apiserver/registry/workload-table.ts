/** Cells the apps/v1 workload tables share (kubectl's printers: CONTAINERS, IMAGES, SELECTOR). */
import {
  formatLabelSelector,
  labelSelectorFromObject,
  type LabelSelectorObject,
} from "../selectors/index.js";
import { column } from "./columns.js";
import { getPath, isJsonObject } from "./object.js";

export const CONTAINERS_COLUMN = column("Containers", "Names of each container in the template.", 1);
export const IMAGES_COLUMN = column("Images", "Images referenced by each container in the template.", 1);

/** Container names and images of a template, comma-joined as kubectl prints them. */
export function templateContainers(obj: unknown): [string, string] {
  const containers = getPath(obj, "spec", "template", "spec", "containers");
  const list = Array.isArray(containers) ? containers.filter(isJsonObject) : [];
  return [
    list.map((c) => String(c["name"] ?? "")).join(","),
    list.map((c) => String(c["image"] ?? "")).join(","),
  ];
}

/** metav1.FormatLabelSelector: "<none>" for an empty selector, "<error>" for a bad one. */
export function selectorText(selector: unknown): string {
  if (!isJsonObject(selector)) return "<none>";
  try {
    const text = formatLabelSelector(labelSelectorFromObject(selector as LabelSelectorObject));
    return text === "" ? "<none>" : text;
  } catch {
    return "<error>";
  }
}

/** A whole-number field, 0 when absent (as kubectl prints unset counters). */
export function count(obj: unknown, ...path: string[]): number {
  const v = getPath(obj, ...path);
  return typeof v === "number" ? v : 0;
}
