/**
 * What agent code uses to emit Kubernetes Events (kubelet: record.EventRecorder). The API-backed
 * implementation aggregates repeats into one Event with a count and rate-limits per object; unit
 * tests use a recorder that keeps events in memory.
 */
export type EventType = "Normal" | "Warning";

/** The object an event is about (core/v1 ObjectReference, the fields the agent fills). */
export interface InvolvedObject {
  /** "Pod", "Node", and for controllers "ReplicaSet", "Deployment", ... */
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid: string;
  readonly apiVersion?: string;
  /** e.g. "spec.containers{web}" for container events. */
  readonly fieldPath?: string;
}

export interface EventRecorder {
  /** Never throws and never blocks the caller: delivery is asynchronous and best-effort. */
  event(object: InvolvedObject, type: EventType, reason: string, message: string): void;
}

/** Keeps events in memory, for unit tests. */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: { object: InvolvedObject; type: EventType; reason: string; message: string }[] = [];

  event(object: InvolvedObject, type: EventType, reason: string, message: string): void {
    this.events.push({ object, type, reason, message });
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}
