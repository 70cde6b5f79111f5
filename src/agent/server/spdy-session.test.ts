import { Duplex } from "node:stream";
import { constants as zlibConstants, createDeflate, deflateSync, inflateSync, type Deflate } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  controlFrame,
  dataFrame,
  FLAG_FIN,
  FrameParser,
  FrameReader,
  FrameType,
  goAwayFrame,
  headerBlock,
  parseHeaderBlock,
  RstStatus,
  rstStreamFrame,
  StoredHeaderEncoder,
  type Frame,
} from "../../common/spdy-framing.js";
import { spdyDictionary } from "./spdy-dictionary.js";
import { SpdySession, type SpdyStream } from "./spdy-session.js";

/** The client's end: compresses header blocks with the dictionary as a SPDY client does. */
class Client {
  readonly frames: Frame[] = [];
  readonly socket: Duplex;
  ended = false;
  readonly #parser = new FrameParser();
  readonly #deflate: Deflate = createDeflate({ dictionary: spdyDictionary() });
  readonly #out: Buffer[] = [];
  #waiters: { pred: (f: Frame) => boolean; resolve: () => void }[] = [];

  constructor() {
    this.#deflate.on("data", (c: Buffer) => this.#out.push(c));
    this.socket = new Duplex({
      read() {},
      write: (chunk: Buffer, _enc, done) => {
        for (const frame of this.#parser.push(chunk)) {
          this.frames.push(frame);
          this.#waiters = this.#waiters.filter((w) => (w.pred(frame) ? (w.resolve(), false) : true));
        }
        done();
      },
      final: (done) => {
        this.ended = true;
        done();
      },
    });
  }

  send(...frames: Buffer[]): void {
    for (const f of frames) this.socket.push(f);
  }

  async synStream(id: number, headers: Record<string, string>, flags = 0): Promise<Buffer> {
    const block = await new Promise<Buffer>((resolve) => {
      this.#deflate.write(headerBlock(headers));
      this.#deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(this.#out.splice(0))));
    });
    const fixed = Buffer.alloc(10);
    fixed.writeUInt32BE(id, 0);
    return controlFrame(FrameType.synStream, flags, Buffer.concat([fixed, block]));
  }

  /** Resolves once a frame of this type (and stream, for stream frames) has come. */
  until(type: number, streamId?: number): Promise<void> {
    const pred = (f: Frame) =>
      f.control && f.type === type && (streamId === undefined || word(f, 0) === streamId);
    if (this.frames.some(pred)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ pred, resolve }));
  }

  control(type: number): Frame[] {
    return this.frames.filter((f) => f.control && f.type === type);
  }

  data(streamId: number): { bytes: string; fin: boolean } {
    const frames = this.frames.filter((f) => !f.control && f.streamId === streamId);
    return {
      bytes: Buffer.concat(frames.map((f) => f.payload)).toString(),
      fin: frames.some((f) => (f.flags & FLAG_FIN) !== 0),
    };
  }
}

/** Lets queued stream events run (header blocks are waited for with Client.until). */
const settle = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

function session(onStream: (s: SpdyStream) => boolean = () => true) {
  const client = new Client();
  const streams: SpdyStream[] = [];
  const s = new SpdySession(client.socket, {
    onStream: (stream) => {
      streams.push(stream);
      return onStream(stream);
    },
  });
  s.start();
  return { client, session: s, streams };
}

const word = (f: Frame, at: number) => f.payload.readUInt32BE(at);

describe("SPDY header blocks", () => {
  it("parses names in lower case and the first of NUL-separated values", () => {
    const block = headerBlock({ StreamType: "data", port: "8080", requestID: "0" });
    expect(Object.fromEntries(parseHeaderBlock(block))).toEqual({
      streamtype: "data",
      port: "8080",
      requestid: "0",
    });
    expect(() => parseHeaderBlock(Buffer.from([0, 0, 0, 1, 0, 0, 0, 9]))).toThrow(/truncated/);
  });

  it("the dictionary inflates what a peer compressed with it", () => {
    const dictionary = spdyDictionary();
    expect(dictionary.length).toBe(1423);
    const block = headerBlock({ streamtype: "error", port: "80" });
    expect(inflateSync(deflateSync(block, { dictionary }), { dictionary })).toEqual(block);
  });

  it("stored header blocks form one zlib stream any inflater reads", () => {
    const encoder = new StoredHeaderEncoder();
    const first = headerBlock({ a: "1" });
    const second = headerBlock({ b: "x".repeat(70_000) });
    const stream = Buffer.concat([encoder.encode(first), encoder.encode(second)]);
    expect(inflateSync(stream, { finishFlush: zlibConstants.Z_SYNC_FLUSH })).toEqual(
      Buffer.concat([first, second]),
    );
  });
});

describe("SPDY frame reader", () => {
  it("hands data on as it arrives and reads headers split anywhere", () => {
    const got: string[] = [];
    const reader = new FrameReader({
      control: (type, _flags, payload) => got.push(`control ${type} ${payload.length}`),
      data: (id, chunk, fin) => got.push(`data ${id} ${chunk.toString()}${fin ? " FIN" : ""}`),
      badFrame: (reason) => got.push(reason),
    });
    const bytes = Buffer.concat([
      dataFrame(1, 0, Buffer.from("hello")),
      controlFrame(FrameType.ping, 0, Buffer.from([0, 0, 0, 1])),
      dataFrame(3, FLAG_FIN, Buffer.alloc(0)),
    ]);
    const cuts = [0, 3, 10, 11, 20, bytes.length];
    for (let i = 1; i < cuts.length; i++) reader.push(bytes.subarray(cuts[i - 1], cuts[i]));
    expect(got).toEqual(["data 1 he", "data 1 l", "data 1 lo", "control 6 4", "data 3  FIN"]);
  });

  it("refuses another SPDY version", () => {
    const got: string[] = [];
    const reader = new FrameReader({
      control: () => undefined,
      data: () => undefined,
      badFrame: (r) => got.push(r),
    });
    const frame = controlFrame(FrameType.ping, 0, Buffer.alloc(4));
    frame.writeUInt16BE(0x8002, 0);
    reader.push(frame);
    expect(got).toEqual(["SPDY version 2, not 3"]);
  });
});

describe("SPDY session", () => {
  it("replies to a stream, carries data both ways and closes it after both FINs", async () => {
    const { client, session: s, streams } = session();
    client.send(await client.synStream(1, { streamType: "data", port: "80" }));
    await client.until(FrameType.synReply, 1);
    expect(streams.map((st) => st.header("streamType"))).toEqual(["data"]);
    const reply = client.control(FrameType.synReply)[0] as Frame;
    expect(word(reply, 0)).toBe(1);
    expect(reply.flags & FLAG_FIN).toBe(0);
    const stream = streams[0] as SpdyStream;
    const received: string[] = [];
    let ended = false;
    // Data that came before the consumer is kept for it.
    client.send(dataFrame(1, 0, Buffer.from("early ")));
    await settle();
    stream.consume({ data: (c) => void received.push(c.toString()), end: () => (ended = true) });
    client.send(dataFrame(1, FLAG_FIN, Buffer.from("late")));
    await settle();
    expect(received.join("")).toBe("early late");
    expect(ended).toBe(true);
    expect(s.streamCount).toBe(1);
    let closedBy: boolean | undefined;
    stream.onClose((reset) => (closedBy = reset));
    stream.write(Buffer.from("answer"));
    stream.end();
    await settle();
    expect(client.data(1)).toEqual({ bytes: "answer", fin: true });
    expect(closedBy).toBe(false);
    expect(s.streamCount).toBe(0);
  });

  it("gives back the window of each stream and of the session once half is used", async () => {
    const { client, streams } = session();
    client.send(
      await client.synStream(1, { streamType: "data" }),
      await client.synStream(3, { streamType: "data" }),
    );
    await client.until(FrameType.synReply, 3);
    for (const st of streams) st.consume({ data: () => undefined, end: () => undefined });
    client.send(dataFrame(1, 0, Buffer.alloc(20_000)), dataFrame(3, 0, Buffer.alloc(20_000)));
    await settle();
    const updates = () => client.control(FrameType.windowUpdate).map((f) => [word(f, 0), word(f, 4)]);
    // 40,000 bytes on the session, 20,000 on each stream: only the session's half is used.
    expect(updates()).toEqual([[0, 40_000]]);
    client.send(dataFrame(1, 0, Buffer.alloc(13_000)));
    await settle();
    expect(updates()).toEqual([
      [0, 40_000],
      [1, 33_000],
    ]);
  });

  it("a refused stream gets a reply with FIN", async () => {
    const { client, session: s } = session((st) => st.header("streamType") === "data");
    client.send(await client.synStream(1, { streamType: "bogus" }));
    await client.until(FrameType.synReply, 1);
    expect((client.control(FrameType.synReply)[0] as Frame).flags & FLAG_FIN).toBe(FLAG_FIN);
    expect(s.streamCount).toBe(0);
  });

  it("refuses stream ids that do not grow, echoes the client's pings", async () => {
    const { client } = session();
    client.send(
      await client.synStream(3, { streamType: "data" }),
      await client.synStream(1, { streamType: "data" }),
    );
    client.send(controlFrame(FrameType.ping, 0, Buffer.from([0, 0, 0, 7])));
    client.send(controlFrame(FrameType.ping, 0, Buffer.from([0, 0, 0, 8])));
    await client.until(FrameType.ping);
    await settle();
    const rst = client.control(FrameType.rstStream).map((f) => [word(f, 0), word(f, 4)]);
    expect(rst).toEqual([[1, RstStatus.protocolError]]);
    expect(client.control(FrameType.ping).map((f) => word(f, 0))).toEqual([7]);
  });

  it("a reset from the client closes the stream", async () => {
    const { client, streams } = session();
    client.send(await client.synStream(1, { streamType: "data" }));
    await client.until(FrameType.synReply, 1);
    let closedBy: boolean | undefined;
    (streams[0] as SpdyStream).onClose((reset) => (closedBy = reset));
    client.send(rstStreamFrame(1, RstStatus.cancel));
    await settle();
    expect(closedBy).toBe(true);
  });

  it("after the client's GOAWAY: new streams refused, the connection ends with the last stream", async () => {
    const { client, streams } = session();
    client.send(await client.synStream(1, { streamType: "data" }));
    await client.until(FrameType.synReply, 1);
    client.send(goAwayFrame(1, 0), await client.synStream(3, { streamType: "data" }));
    await client.until(FrameType.rstStream, 3);
    expect(client.control(FrameType.rstStream).map((f) => [word(f, 0), word(f, 4)])).toEqual([
      [3, RstStatus.refusedStream],
    ]);
    expect(client.ended).toBe(false);
    (streams[0] as SpdyStream).reset();
    await settle();
    expect(client.ended).toBe(true);
  });

  it("the server's GOAWAY names the last stream and close() ends the connection", async () => {
    const { client, session: s } = session();
    client.send(await client.synStream(5, { streamType: "data" }));
    await client.until(FrameType.synReply, 5);
    s.close();
    await settle();
    const goAway = client.control(FrameType.goAway)[0] as Frame;
    expect([word(goAway, 0), word(goAway, 4)]).toEqual([5, 0]);
    expect(client.ended).toBe(true);
  });

  it("stops reading the connection while a consumer is full", async () => {
    const { client, streams } = session();
    client.send(await client.synStream(1, { streamType: "data" }));
    await client.until(FrameType.synReply, 1);
    const stream = streams[0] as SpdyStream;
    const got: number[] = [];
    stream.consume({ data: (c) => (got.push(c.length), false), end: () => undefined });
    client.send(dataFrame(1, 0, Buffer.alloc(10)));
    await settle();
    expect(client.socket.isPaused()).toBe(true);
    stream.resumeInput();
    expect(client.socket.isPaused()).toBe(false);
    expect(got).toEqual([10]);
  });
});
