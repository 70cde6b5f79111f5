/**
 * ListPodSandboxResponse and ListContainersResponse decoded for the relist: of each item only its
 * id, its state and the value of its pod uid label. Everything else (metadata, image, timestamps,
 * the other labels, annotations) is stepped over in the buffer, never turned into strings or
 * objects: the relist asks every second, and the full decode of 110 pods was a third of everything
 * the agent allocated at steady state. Field numbers are proto/runtime/v1/api.proto's.
 */
import { Reader, WIRE_LENGTH, WIRE_VARINT } from "../../common/protobuf-wire.js";
import { LABEL_POD_UID } from "../labels.js";
import type { ContainerState, ListedState, SandboxState } from "../types.js";

/** Where an item's fields are: ListPodSandboxResponse.items and ListContainersResponse.containers are both field 1. */
interface ItemLayout<S> {
  readonly message: string;
  readonly id: number;
  readonly state: number;
  readonly labels: number;
  /** The state enum's values by number; any other number maps to `otherwise`. */
  readonly states: readonly S[];
  readonly otherwise: S;
}

const SANDBOX_LAYOUT: ItemLayout<SandboxState> = {
  message: "ListPodSandboxResponse",
  id: 1,
  state: 3,
  labels: 5,
  states: ["ready", "notready"], // SANDBOX_READY = 0, SANDBOX_NOTREADY = 1
  otherwise: "notready",
};

const CONTAINER_LAYOUT: ItemLayout<ContainerState> = {
  message: "ListContainersResponse",
  id: 1,
  state: 6,
  labels: 8,
  states: ["created", "running", "exited", "unknown"], // CONTAINER_CREATED = 0 ... CONTAINER_UNKNOWN = 3
  otherwise: "unknown",
};

const ITEMS_FIELD = 1;
const MAP_KEY_FIELD = 1;
const MAP_VALUE_FIELD = 2;

const UID_KEY = Buffer.from(LABEL_POD_UID);

export function decodeSandboxStates(message: Buffer): ListedState<SandboxState>[] {
  return decodeItems(message, SANDBOX_LAYOUT);
}

export function decodeContainerStates(message: Buffer): ListedState<ContainerState>[] {
  return decodeItems(message, CONTAINER_LAYOUT);
}

function decodeItems<S extends SandboxState | ContainerState>(
  message: Buffer,
  layout: ItemLayout<S>,
): ListedState<S>[] {
  const items: ListedState<S>[] = [];
  const r = new Reader(message, layout.message);
  const end = message.length;
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag >>> 3 === ITEMS_FIELD && (tag & 7) === WIRE_LENGTH)
      items.push(decodeItem(r, r.length(end), layout));
    else r.skip(tag & 7, end);
  }
  return items;
}

/** One item, from the reader's position to `end`. */
function decodeItem<S extends SandboxState | ContainerState>(
  r: Reader,
  end: number,
  layout: ItemLayout<S>,
): ListedState<S> {
  let id = "";
  let state = 0;
  let podUid = "";
  while (r.pos < end) {
    const tag = r.varint(end);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === layout.id && wire === WIRE_LENGTH) id = r.string(r.length(end));
    else if (field === layout.state && wire === WIRE_VARINT) state = r.varint(end);
    else if (field === layout.labels && wire === WIRE_LENGTH) podUid = podUidOf(r, r.length(end)) ?? podUid;
    else r.skip(wire, end);
  }
  return { id, state: layout.states[state] ?? layout.otherwise, podUid };
}

/** The value of the map entry up to `end` if its key is LABEL_POD_UID; undefined for any other entry. */
function podUidOf(r: Reader, end: number): string | undefined {
  let isUid = false;
  let valueStart = 0;
  let valueEnd = 0;
  while (r.pos < end) {
    const tag = r.varint(end);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === MAP_KEY_FIELD && wire === WIRE_LENGTH) isUid = r.equals(r.length(end), UID_KEY);
    else if (field === MAP_VALUE_FIELD && wire === WIRE_LENGTH) {
      valueEnd = r.length(end);
      valueStart = r.pos;
      r.pos = valueEnd;
    } else r.skip(wire, end);
  }
  return isUid ? r.buf.toString("utf8", valueStart, valueEnd) : undefined;
}
