import { describe, expect, it } from "vitest";
import { BerthError } from "../../common/errors.js";
import { Writer } from "../../common/protobuf-wire.js";
import { decodeMessage, encodeMessage } from "./codec.js";
import { CRI_PROTO_PATH } from "./connection.js";
import { berthMethod, referenceMethod } from "./proto-reference.test-support.js";
import { loadProtoSchema, parseProtoSchema, type MessageSchema, type ValueType } from "./proto-schema.js";

// The codec against protobufjs (the library proto-loader wraps) on every method of the proto, in
// both directions: what the codec writes, protobufjs reads as meant, and what protobufjs writes,
// the codec reads into the very objects protobufjs's decode gives with the adapter's old options.

const schema = loadProtoSchema(CRI_PROTO_PATH);
const methods = [...schema.services.values()].flatMap((service) => [...service.keys()]);

/** A value for every field: negative and extreme numbers, non-ASCII strings, nested messages. */
function sample(message: MessageSchema, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (depth > 4) return out;
  message.fields.forEach((field, i) => {
    const one = (k: number): unknown => sampleValue(field.value, i + k, depth);
    if (field.map) out[field.name] = { a: one(0), "b/ü": one(1) };
    else if (field.repeated) out[field.name] = [one(0), one(1)];
    else out[field.name] = one(0);
  });
  return out;
}

function sampleValue(value: ValueType, i: number, depth: number): unknown {
  switch (value.kind) {
    case "message":
      return sample(value.message, depth + 1);
    case "enum": {
      const names = [...value.enum.numbers.keys()];
      return names[(i % (names.length - 1)) + 1] ?? names[0];
    }
    case "scalar":
      switch (value.scalar) {
        case "string":
          return i % 2 === 0 ? `v${i}-${"x".repeat(150)}` : `ü☃ ${i}`;
        case "bytes":
          return Buffer.from([0, i, 255]);
        case "bool":
          return true;
        case "int32":
          return i % 2 === 0 ? -5 - i : 2 ** 31 - 1;
        case "uint32":
          return i % 2 === 0 ? 4_000_000_000 : i + 1;
        case "int64":
          return i % 2 === 0 ? "-1234567890123" : "9223372036854775807";
        case "uint64":
          return i % 2 === 0 ? "18446744073709551615" : String(2 ** 40 + i);
      }
  }
}

/** Every field at its zero, messages present but empty. */
function zeros(message: MessageSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of message.fields) {
    if (field.map) out[field.name] = {};
    else if (field.repeated) out[field.name] = [];
    else if (field.value.kind === "message") out[field.name] = {};
    else if (field.value.kind === "enum") out[field.name] = field.value.enum.zero;
    else
      out[field.name] =
        { string: "", bytes: Buffer.alloc(0), bool: false }[field.value.scalar as string] ?? 0;
  }
  return out;
}

describe("the CRI codec against protobufjs", () => {
  it("covers every method of the proto", () => {
    expect(methods.length).toBeGreaterThan(25);
    expect(methods).toContain("CreateContainer");
    expect(methods).toContain("ImageFsInfo");
  });

  for (const name of methods) {
    it(`${name}: requests and responses, full, zero and empty`, () => {
      const ours = berthMethod(name);
      const ref = referenceMethod(name);
      const sides = [
        { message: ours.request, serialize: ref.requestSerialize, deserialize: ref.requestDeserialize },
        { message: ours.response, serialize: ref.responseSerialize, deserialize: ref.responseDeserialize },
      ];
      for (const { message, serialize, deserialize } of sides) {
        for (const value of [sample(message), zeros(message), {}]) {
          const theirs = serialize(value);
          const mine = encodeMessage(message, value);
          // The codec reads protobufjs's bytes into what protobufjs reads from them.
          expect(decodeMessage(message, theirs)).toEqual(deserialize(theirs));
          // protobufjs reads the codec's bytes as it reads its own.
          expect(deserialize(mine)).toEqual(deserialize(theirs));
        }
        // With every field set the bytes are the same: same order, packing and lengths.
        const full = sample(message);
        expect(encodeMessage(message, full).toString("hex")).toBe(serialize(full).toString("hex"));
      }
    });
  }
});

describe("decoding", () => {
  const status = berthMethod("ContainerStatus").response;
  const stats = berthMethod("ListContainerStats").response;
  const sandboxStatus = berthMethod("PodSandboxStatus").response;

  it("gives proto3 zeros for absent fields and null for absent messages", () => {
    const decoded = decodeMessage(status, Buffer.alloc(0));
    expect(decoded).toEqual({ status: null, info: {} });
    const inner = decodeMessage(
      berthMethod("ContainerStatus").response,
      encodeMessage(status, { status: {} }),
    );
    expect(inner["status"]).toMatchObject({
      id: "",
      metadata: null,
      state: "CONTAINER_CREATED",
      created_at: 0n,
      exit_code: 0,
      mounts: [],
      labels: {},
    });
  });

  it("skips fields it does not know, of every wire type, and declared fields on the wrong wire type", () => {
    const w = new Writer();
    w.tag(90, 0); // varint
    w.varintHiLo(0xffffffff, 0xffffffff);
    w.tag(91, 1); // fixed64
    w.varintHiLo(0, 0);
    for (let i = 0; i < 7; i++) w.varint(0);
    w.tag(92, 5); // fixed32
    w.varint(0);
    w.varint(0);
    w.varint(0);
    w.varint(0);
    w.tag(93, 2);
    w.string("unknown");
    w.tag(1, 0); // `status` is a message: a varint there is not it
    w.varint(7);
    const decoded = decodeMessage(status, Buffer.from(w.finish()));
    expect(decoded).toEqual({ status: null, info: {} });
  });

  it("reads repeated numbers packed and one by one", () => {
    const w = new Writer();
    w.tag(2, 0); // PortForwardRequest.port, one by one
    w.varint(80);
    w.tag(2, 2); // and packed
    const run = w.beginLength();
    w.varint(443);
    w.varintHiLo(0xffffffff, 0xffffffff); // -1
    w.endLength(run);
    const decoded = decodeMessage(berthMethod("PortForward").request, Buffer.from(w.finish()));
    expect(decoded).toEqual({ pod_sandbox_id: "", port: [80, 443, -1] });
  });

  it("gives an enum number that has no name as the number", () => {
    const w = new Writer();
    w.tag(1, 2);
    const start = w.beginLength();
    w.tag(3, 0); // PodSandboxStatus.state
    w.varint(9);
    w.endLength(start);
    const decoded = decodeMessage(sandboxStatus, Buffer.from(w.finish())) as { status: { state: unknown } };
    expect(decoded.status.state).toBe(9);
  });

  it("refuses malformed bytes with a BerthError naming the message", () => {
    const good = encodeMessage(stats, sample(stats));
    for (const cut of [1, 7, good.length - 1]) {
      let thrown: unknown;
      try {
        decodeMessage(stats, good.subarray(0, cut));
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(BerthError);
      expect((thrown as Error).message).toMatch(/^malformed ListContainerStatsResponse: /);
    }
    expect(() => decodeMessage(stats, Buffer.from([0x0b]))).toThrow(
      "malformed ListContainerStatsResponse: wire type 3",
    );
  });

  it("copies bytes fields out of the message", () => {
    const exec = berthMethod("ExecSync").response;
    const bytes = Buffer.from(encodeMessage(exec, { stdout: Buffer.from("hello") }));
    const decoded = decodeMessage(exec, bytes) as { stdout: Buffer };
    bytes.fill(0);
    expect(decoded.stdout.toString()).toBe("hello");
  });
});

describe("encoding", () => {
  const stop = berthMethod("StopContainer").request;
  const create = berthMethod("CreateContainer").request;

  it("takes 64-bit integers as numbers, bigints or decimal strings", () => {
    const asString = encodeMessage(stop, { container_id: "c", timeout: "-30" });
    expect(encodeMessage(stop, { container_id: "c", timeout: -30 })).toEqual(asString);
    expect(encodeMessage(stop, { container_id: "c", timeout: -30n })).toEqual(asString);
    expect(referenceMethod("StopContainer").requestDeserialize(asString)).toEqual({
      container_id: "c",
      timeout: -30n,
    });
  });

  it("writes an empty message that is present, and leaves out zeros, null and undefined", () => {
    const withRoot = encodeMessage(create, {
      pod_sandbox_id: "",
      config: { linux: { security_context: { run_as_user: { value: 0 }, run_as_username: null } } },
    });
    const decoded = referenceMethod("CreateContainer").requestDeserialize(withRoot) as {
      config: { linux: { security_context: { run_as_user: unknown; run_as_group: unknown } } };
    };
    expect(decoded.config.linux.security_context.run_as_user).toEqual({ value: 0n });
    expect(decoded.config.linux.security_context.run_as_group).toBeNull();
    expect(encodeMessage(stop, { container_id: "", timeout: 0 }).length).toBe(0);
  });

  it("moves a message along when its length takes more than one byte", () => {
    for (const size of [127, 128, 16_383, 16_384, 2_097_152]) {
      const value = { config: { metadata: { name: "n".repeat(size) } } };
      const bytes = encodeMessage(create, value);
      expect(bytes.toString("hex")).toBe(
        referenceMethod("CreateContainer").requestSerialize(value).toString("hex"),
      );
    }
  });

  it("names the field of a value of the wrong type", () => {
    const bad: [MessageSchema, object, string][] = [
      [stop, { container_id: 5 }, "StopContainerRequest.container_id: expected a string"],
      [stop, { timeout: 1.5 }, "StopContainerRequest.timeout: expected a 64-bit integer"],
      [stop, { timeout: "ten" }, "StopContainerRequest.timeout: expected a 64-bit integer"],
      [
        stop,
        { timeout: 2n ** 63n },
        "StopContainerRequest.timeout: 9223372036854775808 is out of range for int64",
      ],
      [
        create,
        { config: { metadata: { attempt: -1 } } },
        "CreateContainerRequest.config.metadata.attempt: expected an integer from 0",
      ],
      [create, { config: { tty: "yes" } }, "CreateContainerRequest.config.tty: expected a boolean"],
      [create, { config: { command: "sh" } }, "CreateContainerRequest.config.command: expected an array"],
      [create, { config: { labels: ["a"] } }, "CreateContainerRequest.config.labels: expected an object"],
      [
        create,
        { config: { mounts: [{ propagation: "SHARED" }] } },
        'CreateContainerRequest.config.mounts[0].propagation: "SHARED" is not a value of enum MountPropagation',
      ],
      [
        create,
        { config: { envs: [5] } },
        "CreateContainerRequest.config.envs[0]: expected an object for message KeyValue",
      ],
    ];
    for (const [message, value, error] of bad) expect(() => encodeMessage(message, value)).toThrow(error);
  });
});

describe("the proto schema reader", () => {
  const parse = (body: string): ReturnType<typeof parseProtoSchema> =>
    parseProtoSchema(`syntax = "proto3";\npackage p.v1;\n${body}`, "t.proto");

  it("resolves a nested enum from inside its message and by its dotted name from outside", () => {
    const s = parse(`
      message A { enum Kind { X = 0; Y = 1; } Kind kind = 1; }
      message B { A.Kind kind = 1; p.v1.A a = 2; }
      service S { rpc Get(A) returns (B) {} }`);
    const b = s.messages.get("B");
    expect(b?.fields.map((f) => [f.name, f.value.kind])).toEqual([
      ["kind", "enum"],
      ["a", "message"],
    ]);
    expect(s.services.get("S")?.get("Get")?.path).toBe("/p.v1.S/Get");
  });

  it("refuses what the codec would misread, naming the line", () => {
    expect(() => parse("message A {\n  Missing m = 1;\n}")).toThrow("t.proto:4: unknown type Missing");
    expect(() => parse("message A {\n string a = 1;\n string b = 1;\n}")).toThrow(
      "t.proto:5: A uses field number 1 twice",
    );
    expect(() => parse("message A {\n optional string a = 1;\n}")).toThrow(
      't.proto:4: "optional" is not supported',
    );
    expect(() => parse("message A { double d = 1; }")).toThrow("unknown type double");
    expect(() => parse("message A {}\nmessage B { map<string, A> m = 1; }")).toThrow(
      "map values that are messages are not supported",
    );
    expect(() => parse("message A {}\nservice S { rpc W(stream A) returns (A); }")).toThrow(
      "W: streaming methods are not supported",
    );
    expect(() => parse("enum E { X = 1; }")).toThrow("enum E has no value 0");
    expect(() => parseProtoSchema('syntax = "proto2";', "t.proto")).toThrow("only proto3 is supported");
  });
});
