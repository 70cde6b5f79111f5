import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../common/index.js";
import {
  duplicate,
  fieldErrorText,
  forbidden,
  generatedNameBase,
  invalid,
  invalidError,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  nameIsDNSLabel,
  notSupported,
  required,
  validateAnnotations,
  validateFinalizers,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./validation.js";

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe("field errors", () => {
  it("word causes as field.Error does", () => {
    expect(required("spec.containers[0].image")).toEqual({
      reason: "FieldValueRequired",
      field: "spec.containers[0].image",
      message: "Required value",
    });
    expect(fieldErrorText(invalid("spec.x", 3, "must be positive"))).toBe(
      "spec.x: Invalid value: 3: must be positive",
    );
    expect(fieldErrorText(notSupported("spec.restartPolicy", "Sometimes", ["Always", "Never"]))).toBe(
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never"',
    );
    expect(forbidden("spec", "nope")).toMatchObject({
      reason: "FieldValueForbidden",
      message: "Forbidden: nope",
    });
    expect(fieldErrorText(duplicate("spec.volumes[1].name", "v"))).toBe(
      'spec.volumes[1].name: Duplicate value: "v"',
    );
  });

  it("builds the 422 error with one or several causes", () => {
    const one = invalidError("Pod", "x", [required("spec.containers")]);
    expect(one.code).toBe(ErrorCode.Invalid);
    expect(one.message).toBe('Pod "x" is invalid: spec.containers: Required value');
    const two = invalidError("Pod", "x", [required("a"), required("b")]);
    expect(two.message).toBe('Pod "x" is invalid: [a: Required value, b: Required value]');
    expect(two.causes).toHaveLength(2);
    // Causes carry the body only, as errors.NewInvalid does; the field travels apart.
    expect(two.causes[0]).toEqual({ reason: "FieldValueRequired", field: "a", message: "Required value" });
  });
});

describe("name formats", () => {
  it("checks DNS-1123 labels with upstream's text", () => {
    expect(isDNS1123Label("my-name")).toEqual([]);
    expect(isDNS1123Label("Foo")).toEqual([LABEL_MSG]);
    expect(isDNS1123Label("a".repeat(64))).toEqual(["must be no more than 63 characters"]);
    expect(isDNS1123Label("-a")).toEqual([LABEL_MSG]);
    expect(isDNS1123Label("a.b")).toEqual([LABEL_MSG]);
  });

  it("checks DNS-1123 subdomains", () => {
    expect(isDNS1123Subdomain("a.b-c.d")).toEqual([]);
    expect(isDNS1123Subdomain("a..b")).toEqual([SUBDOMAIN_MSG]);
    expect(isDNS1123Subdomain("a".repeat(254))).toEqual(["must be no more than 253 characters"]);
  });

  it("checks qualified names (label keys)", () => {
    expect(isQualifiedName("app")).toEqual([]);
    expect(isQualifiedName("example.com/My_name.1")).toEqual([]);
    expect(isQualifiedName("/x")).toEqual(["prefix part must be non-empty"]);
    expect(isQualifiedName("Example.com/x")[0]).toBe(`prefix part ${SUBDOMAIN_MSG}`);
    expect(isQualifiedName("a/")).toEqual(["name part must be non-empty"]);
    expect(isQualifiedName("x".repeat(64))).toEqual(["name part must be no more than 63 characters"]);
    expect(isQualifiedName("-x")[0]).toMatch(/^name part must consist of alphanumeric characters/);
    expect(isQualifiedName("a/b/c")[0]).toMatch(
      /^a qualified name must consist .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/,
    );
  });

  it("checks label values", () => {
    expect(isValidLabelValue("")).toEqual([]);
    expect(isValidLabelValue("My_value-1.2")).toEqual([]);
    expect(isValidLabelValue("bad value")[0]).toMatch(/^a valid label must be an empty string or consist of/);
    expect(isValidLabelValue("v".repeat(64))).toEqual(["must be no more than 63 characters"]);
  });

  it("checks path segment names", () => {
    expect(isValidPathSegmentName("..")).toEqual(["may not be '..'"]);
    expect(isValidPathSegmentName(".")).toEqual(["may not be '.'"]);
    expect(isValidPathSegmentName("a/b%")).toEqual(["may not contain '/'", "may not contain '%'"]);
    expect(isValidPathSegmentName("ok")).toEqual([]);
  });

  it("truncates a long generateName prefix to 58 characters, as SimpleNameGenerator", () => {
    expect(generatedNameBase("web-")).toBe("web-");
    expect(generatedNameBase("x".repeat(70))).toBe("x".repeat(58));
  });

  it("accepts a generateName prefix ending in a dash", () => {
    expect(nameIsDNSLabel("web-", true)).toEqual([]);
    expect(nameIsDNSLabel("web-", false)).toEqual([LABEL_MSG]);
  });
});

describe("labels and annotations", () => {
  it("reports bad keys and values on the map's path", () => {
    const causes = validateLabels({ "bad key": "v", ok: "bad value" }, "metadata.labels");
    expect(causes.map((c) => c.field)).toEqual(["metadata.labels", "metadata.labels"]);
    expect(fieldErrorText(causes[0] ?? { reason: "", message: "" })).toMatch(
      /^metadata\.labels: Invalid value: "bad key": name part must consist/,
    );
    expect(fieldErrorText(causes[1] ?? { reason: "", message: "" })).toMatch(
      /^metadata\.labels: Invalid value: "bad value": a valid label must/,
    );
  });

  it("limits the total annotation size to 256 KiB", () => {
    expect(validateAnnotations({ a: "x".repeat(262143) }, "metadata.annotations")).toEqual([]);
    expect(validateAnnotations({ a: "x".repeat(262144) }, "metadata.annotations")).toEqual([
      {
        reason: "FieldValueTooLong",
        field: "metadata.annotations",
        message: "Too long: must have at most 262144 bytes",
      },
    ]);
  });

  it("lower-cases annotation keys before checking them", () => {
    expect(validateAnnotations({ "Example.com/Key": "v" }, "metadata.annotations")).toEqual([]);
  });
});

describe("validateFinalizers", () => {
  it("accepts qualified names and refuses bad, duplicate and conflicting ones", () => {
    expect(validateFinalizers(["kubernetes", "example.com/cleanup"], "metadata.finalizers")).toEqual([]);
    const causes = validateFinalizers(
      ["a b", "x", "x", "orphan", "foregroundDeletion"],
      "metadata.finalizers",
    );
    expect(causes.map(fieldErrorText)).toEqual([
      expect.stringMatching(/^metadata\.finalizers: Invalid value: "a b": name part must consist of/),
      'metadata.finalizers: Duplicate value: "x"',
      'metadata.finalizers: Invalid value: ["a b","x","orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
    ]);
  });
});

describe("validateObjectMeta", () => {
  it("needs a name or generateName", () => {
    expect(validateObjectMeta({ namespace: "default" }, { namespaced: true })).toEqual([
      {
        reason: "FieldValueRequired",
        field: "metadata.name",
        message: "Required value: name or generateName is required",
      },
    ]);
    expect(validateObjectMeta({ generateName: "web-", namespace: "default" }, { namespaced: true })).toEqual(
      [],
    );
  });

  it("words a bad name as kube-apiserver does", () => {
    const [c] = validateObjectMeta(
      { name: "Foo", namespace: "default" },
      { namespaced: true, nameFn: nameIsDNSLabel },
    );
    expect(c?.message).toBe(`Invalid value: "Foo": ${LABEL_MSG}`);
  });

  it("checks the namespace against the scope", () => {
    expect(validateObjectMeta({ name: "a" }, { namespaced: true })).toEqual([required("metadata.namespace")]);
    expect(validateObjectMeta({ name: "a", namespace: "x" }, { namespaced: false })).toEqual([
      forbidden("metadata.namespace", "not allowed on this type"),
    ]);
    expect(validateObjectMeta({ name: "n1" }, { namespaced: false })).toEqual([]);
  });

  it("rejects a missing metadata", () => {
    expect(validateObjectMeta(undefined, { namespaced: true })).toEqual([required("metadata")]);
  });

  it("keeps identity fields immutable on update", () => {
    const old = { name: "a", namespace: "d", uid: "u1" };
    expect(validateObjectMetaUpdate({ ...old, labels: { x: "y" } }, old)).toEqual([]);
    expect(validateObjectMetaUpdate({ ...old, uid: "u2" }, old)).toEqual([
      invalid("metadata.uid", "u2", "field is immutable"),
    ]);
  });
});
