/** core/v1 Event: what describe shows; selectable by the involved object, reason, source and type. */
import { age } from "./age.js";
import { NAME_COLUMN, column } from "./columns.js";
import { getPath, isJsonObject, stringAt, type KubeObject } from "./object.js";
import { ALL_VERBS, type ResourceDefinition } from "./resource.js";
import { required } from "./validation.js";
import { eventFields } from "../selectors/index.js";

function lastSeen(obj: KubeObject): unknown {
  const series = getPath(obj, "series", "lastObservedTime");
  if (typeof series === "string" && series !== "") return series;
  const last = obj["lastTimestamp"];
  if (typeof last === "string" && last !== "") return last;
  return obj["eventTime"];
}

function firstSeen(obj: KubeObject): unknown {
  const first = obj["firstTimestamp"];
  if (typeof first === "string" && first !== "") return first;
  return obj["eventTime"];
}

function source(obj: KubeObject): string {
  const component = stringAt(obj, "source", "component") || stringAt(obj, "reportingComponent");
  const host = stringAt(obj, "source", "host") || stringAt(obj, "reportingInstance");
  return host === "" ? component : `${component}, ${host}`;
}

function count(obj: KubeObject): number {
  const series = getPath(obj, "series", "count");
  if (typeof series === "number") return series;
  const c = obj["count"];
  return typeof c === "number" ? c : 1;
}

export const events: ResourceDefinition = {
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  singular: "event",
  shortNames: ["ev"],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  validate(obj) {
    const involved = obj["involvedObject"];
    if (!isJsonObject(involved)) return [required("involvedObject")];
    return [];
  },
  selectableFields: eventFields,
  table: {
    columns: [
      column("Last Seen", "Time when last this event was observed."),
      column("Type", "Type of this event (Normal, Warning), new types could be added in the future."),
      column(
        "Reason",
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      ),
      column("Object", "The object that this event is about."),
      column("Subobject", "The subobject that this event is about.", 1),
      column(
        "Source",
        "The component reporting this event. Should be a short machine understandable string.",
        1,
      ),
      column("Message", "A human-readable description of the status of this operation."),
      column(
        "First Seen",
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
        1,
      ),
      column("Count", "The number of times this event has occurred.", 1, "integer"),
      { ...NAME_COLUMN, priority: 1 },
    ],
    cells: (obj, now) => [
      age(lastSeen(obj), now),
      stringAt(obj, "type"),
      stringAt(obj, "reason"),
      `${stringAt(obj, "involvedObject", "kind").toLowerCase()}/${stringAt(obj, "involvedObject", "name")}`,
      stringAt(obj, "involvedObject", "fieldPath"),
      source(obj),
      stringAt(obj, "message").trim(),
      age(firstSeen(obj), now),
      count(obj),
      obj.metadata.name,
    ],
  },
};
