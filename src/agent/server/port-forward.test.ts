import { deflateSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { headerBlock } from "../../common/spdy-framing.js";
import { parseHeaderBlock } from "./port-forward.js";
import { spdyDictionary } from "./spdy-dictionary.js";

describe("SPDY header blocks", () => {
  it("parses names in lower case and the first of NUL-separated values", () => {
    const block = headerBlock({ StreamType: "data", port: "8080", requestID: "0" });
    expect(Object.fromEntries(parseHeaderBlock(block))).toEqual({
      streamtype: "data",
      port: "8080",
      requestid: "0",
    });
  });

  it("the dictionary inflates what a peer compressed with it", () => {
    const dictionary = spdyDictionary();
    expect(dictionary.length).toBe(1423);
    const block = headerBlock({ streamtype: "error", port: "80" });
    expect(inflateSync(deflateSync(block, { dictionary }), { dictionary })).toEqual(block);
  });
});
