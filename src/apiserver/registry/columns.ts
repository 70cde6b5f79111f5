/** Column definitions shared by several kinds' tables (metav1.ObjectMeta's name and age). */
import type { TableColumn } from "./resource.js";

export const NAME_COLUMN: TableColumn = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace. Cannot be updated.",
  priority: 0,
};

export const AGE_COLUMN: TableColumn = {
  name: "Age",
  type: "string",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
  priority: 0,
};

export function column(
  name: string,
  description: string,
  priority = 0,
  type: TableColumn["type"] = "string",
): TableColumn {
  return { name, type, description, priority };
}

/** "<none>" as kubectl prints a missing value. */
export function orNone(value: unknown): string {
  return typeof value === "string" && value !== "" ? value : "<none>";
}
