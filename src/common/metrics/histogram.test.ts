import { describe, expect, it } from "vitest";
import { Counter, DEFAULT_BUCKETS, Histogram, exponentialBuckets } from "./histogram.js";

describe("Histogram", () => {
  it("counts into inclusive upper bounds and renders cumulative buckets, sum and count", () => {
    const h = new Histogram({ name: "x_seconds", help: "X.", labelNames: ["op"], buckets: [0.1, 1] });
    h.observe(0.1, "a");
    h.observe(0.5, "a");
    h.observe(7, "a");
    h.observe(0.05, "b");
    expect(h.count("a")).toBe(3);
    expect(h.render()).toBe(
      [
        "# HELP x_seconds [ALPHA] X.",
        "# TYPE x_seconds histogram",
        'x_seconds_bucket{op="a",le="0.1"} 1',
        'x_seconds_bucket{op="a",le="1"} 2',
        'x_seconds_bucket{op="a",le="+Inf"} 3',
        'x_seconds_sum{op="a"} 7.6',
        'x_seconds_count{op="a"} 3',
        'x_seconds_bucket{op="b",le="0.1"} 1',
        'x_seconds_bucket{op="b",le="1"} 1',
        'x_seconds_bucket{op="b",le="+Inf"} 1',
        'x_seconds_sum{op="b"} 0.05',
        'x_seconds_count{op="b"} 1',
        "",
      ].join("\n"),
    );
  });

  it("renders only its header before the first observation, and refuses wrong labels and buckets", () => {
    const h = new Histogram({ name: "y", help: "Y.", buckets: DEFAULT_BUCKETS });
    expect(h.render()).toBe("# HELP y [ALPHA] Y.\n# TYPE y histogram\n");
    expect(() => h.observe(1, "extra")).toThrow(/label values/);
    expect(() => new Histogram({ name: "z", help: "", buckets: [1, 1] })).toThrow(/increase/);
  });

  it("has client_golang's default and exponential buckets", () => {
    expect(DEFAULT_BUCKETS).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    expect(exponentialBuckets(1, 2, 4)).toEqual([1, 2, 4, 8]);
  });
});

describe("Counter", () => {
  it("counts by label values, escapes them, and shows 0 without labels before any increment", () => {
    const c = new Counter({ name: "c_total", help: "C.", labelNames: ["code"] });
    c.inc('a"b\\c\nd');
    c.inc('a"b\\c\nd');
    expect(c.value('a"b\\c\nd')).toBe(2);
    expect(c.render()).toBe(
      '# HELP c_total [ALPHA] C.\n# TYPE c_total counter\nc_total{code="a\\"b\\\\c\\nd"} 2\n',
    );
    expect(new Counter({ name: "n_total", help: "N." }).render()).toMatch(/^n_total 0$/m);
  });

  it("prints the stability level it is given before the help text", () => {
    const c = new Counter({ name: "s_total", help: "S.", stability: "STABLE" });
    expect(c.render()).toMatch(/^# HELP s_total \[STABLE\] S\.$/m);
    const h = new Histogram({ name: "h", help: "H.", buckets: [1], stability: "STABLE" });
    expect(h.render()).toMatch(/^# HELP h \[STABLE\] H\.$/m);
  });
});
