import { describe, expect, it } from "vitest";
import type { ErrorCause } from "../../common/index.js";
import { applyPodDefaults } from "./pod-defaults.js";
import { fieldErrorText } from "./validation.js";
import {
  isValidPortName,
  POD_UPDATE_FORBIDDEN_MESSAGE,
  validatePod,
  validatePodUpdate,
} from "./pod-validation.js";

type Obj = Record<string, unknown>;

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

function pod(spec: Obj = {}, container: Obj = {}): Obj {
  return applyPodDefaults({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default" },
    spec: { containers: [{ name: "c", image: "busybox:1", ...container }], ...spec },
  });
}

function messages(causes: ErrorCause[]): string[] {
  return causes.map(fieldErrorText);
}

describe("validatePod", () => {
  it("accepts a defaulted minimal pod", () => {
    expect(validatePod(pod())).toEqual([]);
  });

  it("requires containers, names and images", () => {
    expect(messages(validatePod(pod({ containers: [] })))).toEqual(["spec.containers: Required value"]);
    expect(validatePod(pod({ containers: [{ image: "x:1" }] }))).toContainEqual({
      reason: "FieldValueRequired",
      field: "spec.containers[0].name",
      message: "Required value",
    });
    expect(validatePod(pod({}, { image: "" }))).toContainEqual({
      reason: "FieldValueRequired",
      field: "spec.containers[0].image",
      message: "Required value",
    });
    expect(messages(validatePod({ metadata: { name: "p", namespace: "d" } }))).toEqual([
      "spec: Required value",
    ]);
  });

  it("checks names are DNS labels and unique across containers and init containers", () => {
    expect(messages(validatePod(pod({}, { name: "Web" })))).toEqual([
      `spec.containers[0].name: Invalid value: "Web": ${LABEL_MSG}`,
    ]);
    const dup = pod({
      containers: [
        { name: "a", image: "x:1" },
        { name: "a", image: "x:1" },
      ],
      initContainers: [{ name: "a", image: "x:1" }],
    });
    expect(validatePod(dup)).toEqual([
      {
        reason: "FieldValueDuplicate",
        field: "spec.containers[1].name",
        message: 'Duplicate value: "a"',
      },
      {
        reason: "FieldValueDuplicate",
        field: "spec.initContainers[0].name",
        message: 'Duplicate value: "a"',
      },
    ]);
  });

  it("words bad metadata as kube-apiserver does", () => {
    const p = pod();
    p["metadata"] = { name: "Bad_Name", namespace: "default" };
    expect(messages(validatePod(p))[0]).toMatch(
      /^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
  });

  it.each([
    [
      { restartPolicy: "Sometimes" },
      {},
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
    ],
    [
      { dnsPolicy: "Google" },
      {},
      'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"',
    ],
    [
      {},
      { imagePullPolicy: "Sometimes" },
      'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    ],
    [
      {},
      { ports: [{ containerPort: 80, protocol: "ICMP" }] },
      'spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    ],
    [
      {},
      { terminationMessagePolicy: "Stdout" },
      'spec.containers[0].terminationMessagePolicy: Unsupported value: "Stdout": supported values: "FallbackToLogsOnError", "File"',
    ],
  ])("refuses unsupported enum values %j %j", (spec, container, message) => {
    const causes = validatePod(pod(spec, container));
    expect(messages(causes)).toEqual([message]);
    expect(causes[0]?.reason).toBe("FieldValueNotSupported");
  });

  it("checks port numbers and names", () => {
    expect(messages(validatePod(pod({}, { ports: [{ containerPort: 70000 }] })))).toEqual([
      "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
    ]);
    expect(messages(validatePod(pod({}, { ports: [{ containerPort: 0 }] })))).toEqual([
      "spec.containers[0].ports[0].containerPort: Required value",
    ]);
    expect(messages(validatePod(pod({}, { ports: [{ containerPort: 80, hostPort: -1 }] })))).toEqual([
      "spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive",
    ]);
    expect(
      messages(
        validatePod(
          pod(
            {},
            {
              ports: [
                { containerPort: 80, name: "http" },
                { containerPort: 81, name: "http" },
              ],
            },
          ),
        ),
      ),
    ).toEqual(['spec.containers[0].ports[1].name: Duplicate value: "http"']);
    expect(isValidPortName("a--b")).toEqual(["must not contain consecutive hyphens"]);
    expect(isValidPortName("123")).toEqual(["must contain at least one letter (a-z)"]);
    expect(isValidPortName("http-metrics-long")).toEqual(["must be no more than 15 characters"]);
  });

  it("refuses a hostPort used twice with the same protocol", () => {
    const causes = validatePod(
      pod({
        containers: [
          { name: "a", image: "x:1", ports: [{ containerPort: 80, hostPort: 8080 }] },
          {
            name: "b",
            image: "x:1",
            ports: [
              { containerPort: 81, hostPort: 8080, protocol: "UDP" },
              { containerPort: 82, hostPort: 8080 },
            ],
          },
        ],
      }),
    );
    expect(messages(causes)).toEqual(['spec.containers[1].ports[1].hostPort: Duplicate value: "TCP//8080"']);
  });

  it("forbids probes and lifecycle on plain init containers", () => {
    const causes = validatePod(
      pod({
        initContainers: [
          {
            name: "i",
            image: "x:1",
            readinessProbe: { exec: { command: ["true"] } },
            lifecycle: { preStop: { exec: { command: ["x"] } } },
          },
          {
            name: "s",
            image: "x:1",
            restartPolicy: "Always",
            readinessProbe: { exec: { command: ["true"] } },
          },
        ],
      }),
    );
    expect(messages(causes)).toEqual([
      "spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always",
      "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
    ]);
  });

  it("checks hostPort against containerPort with hostNetwork", () => {
    expect(
      messages(validatePod(pod({ hostNetwork: true }, { ports: [{ containerPort: 80, hostPort: 81 }] }))),
    ).toEqual([
      "spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true",
    ]);
  });

  it("reports bad quantities, negative ones, unknown resources and requests above limits", () => {
    expect(messages(validatePod(pod({}, { resources: { limits: { cpu: "lots" } } })))).toEqual([
      `spec.containers[0].resources.limits[cpu]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      // requests are defaulted from limits, so the same bad value is reported there too
      `spec.containers[0].resources.requests[cpu]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    ]);
    expect(messages(validatePod(pod({}, { resources: { requests: { memory: "-1Gi" } } })))).toEqual([
      'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
    ]);
    expect(messages(validatePod(pod({}, { resources: { requests: { foo: "1" } } })))).toEqual([
      'spec.containers[0].resources.requests[foo]: Invalid value: "foo": must be a standard resource for containers',
    ]);
    expect(validatePod(pod({}, { resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } }))).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.containers[0].resources.requests[cpu]",
        message: 'Invalid value: "2": must be less than or equal to cpu limit of 1',
      },
    ]);
    expect(
      validatePod(
        pod({}, { resources: { requests: { cpu: "500m", "example.com/gpu": "1" }, limits: { cpu: "1" } } }),
      ),
    ).toEqual([]);
  });

  it("checks probe handlers and thresholds", () => {
    expect(validatePod(pod({}, { livenessProbe: { periodSeconds: 5 } }))).toEqual([
      {
        reason: "FieldValueRequired",
        field: "spec.containers[0].livenessProbe",
        message: "Required value: must specify a handler type",
      },
    ]);
    expect(
      messages(
        validatePod(pod({}, { readinessProbe: { exec: { command: ["true"] }, tcpSocket: { port: 80 } } })),
      ),
    ).toEqual([
      "spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type",
    ]);
    expect(
      messages(validatePod(pod({}, { livenessProbe: { exec: { command: ["true"] }, successThreshold: 2 } }))),
    ).toEqual(["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"]);
    expect(
      messages(validatePod(pod({}, { readinessProbe: { httpGet: { port: 0 }, initialDelaySeconds: -1 } }))),
    ).toEqual([
      "spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0",
      "spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
    ]);
    expect(messages(validatePod(pod({}, { readinessProbe: { exec: {} } })))).toEqual([
      "spec.containers[0].readinessProbe.exec.command: Required value",
    ]);
    expect(
      validatePod(pod({}, { readinessProbe: { httpGet: { port: "http" }, successThreshold: 3 } })),
    ).toEqual([]);
  });

  it("checks volumes and the mounts that name them", () => {
    const causes = validatePod(
      pod(
        {
          volumes: [
            { name: "data", emptyDir: {} },
            { name: "data", emptyDir: {} },
            { name: "both", emptyDir: {}, hostPath: { path: "/x" } },
            { name: "hp", hostPath: { path: "", type: "Weird" } },
            { name: "cm", configMap: {} },
          ],
        },
        {
          volumeMounts: [
            { name: "nope", mountPath: "/a" },
            { name: "data", mountPath: "/a" },
            { name: "data" },
          ],
        },
      ),
    );
    expect(messages(causes)).toEqual([
      'spec.volumes[1].name: Duplicate value: "data"',
      "spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type",
      "spec.volumes[3].hostPath.path: Required value",
      'spec.volumes[3].hostPath.type: Unsupported value: "Weird": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      "spec.volumes[4].configMap.name: Required value",
      'spec.containers[0].volumeMounts[0].name: Not found: "nope"',
      'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/a": must be unique',
      "spec.containers[0].volumeMounts[2].mountPath: Required value",
    ]);
    expect(causes.find((c) => c.reason === "FieldValueNotFound")?.field).toBe(
      "spec.containers[0].volumeMounts[0].name",
    );
  });

  it("checks env entries", () => {
    expect(
      messages(
        validatePod(
          pod(
            {},
            {
              env: [
                { name: "" },
                { name: "A=B", value: "x" },
                { name: "N", value: "x", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
                { name: "M", valueFrom: {} },
                { name: "F", valueFrom: { fieldRef: { fieldPath: "spec.hostname" } } },
              ],
            },
          ),
        ),
      ),
    ).toEqual([
      "spec.containers[0].env[0].name: Required value",
      `spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
      'spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      'spec.containers[0].env[3].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      expect.stringMatching(
        /^spec\.containers\[0\]\.env\[4\]\.valueFrom\.fieldRef\.fieldPath: Unsupported value: "spec\.hostname"/,
      ),
    ]);
    expect(
      validatePod(
        pod({}, { env: [{ name: "L", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }] }),
      ),
    ).toEqual([]);
  });

  it("checks activeDeadlineSeconds, nodeName and tolerations", () => {
    expect(messages(validatePod(pod({ activeDeadlineSeconds: 0 })))).toEqual([
      "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
    ]);
    expect(messages(validatePod(pod({ nodeName: "Node_1" })))[0]).toMatch(
      /^spec\.nodeName: Invalid value: "Node_1": a lowercase RFC 1123 subdomain/,
    );
    expect(
      messages(
        validatePod(
          pod({
            tolerations: [
              { key: "a", operator: "Exists", value: "x" },
              { key: "b", operator: "Equal", value: "x", effect: "NoSchedule", tolerationSeconds: 5 },
              { key: "c", operator: "Near" },
              { key: "d", operator: "Equal", value: "bad value", effect: "Sometimes" },
            ],
          }),
        ),
      ),
    ).toEqual([
      "spec.tolerations[0].operator: Invalid value: \"x\": value must be empty when `operator` is 'Exists'",
      "spec.tolerations[1].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
      'spec.tolerations[2].operator: Unsupported value: "Near": supported values: "Equal", "Exists"',
      expect.stringMatching(
        /^spec\.tolerations\[3\]\.operator: Invalid value: "bad value": a valid label must be/,
      ),
      'spec.tolerations[3].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]);
  });
});

describe("validatePodUpdate", () => {
  const old = pod({ activeDeadlineSeconds: 100 });
  const withSpec = (change: (spec: Obj) => void): Obj => {
    const next = structuredClone(old);
    change(next["spec"] as Obj);
    return next;
  };
  const containers = (spec: Obj) => spec["containers"] as Obj[];

  it("allows image changes, lower deadlines, added tolerations and metadata changes", () => {
    const next = withSpec((spec) => {
      (containers(spec)[0] as Obj)["image"] = "busybox:2";
      spec["activeDeadlineSeconds"] = 50;
      spec["tolerations"] = [...(spec["tolerations"] as unknown[]), { key: "x", operator: "Exists" }];
    });
    next["metadata"] = { name: "p", namespace: "default", labels: { a: "b" } };
    expect(validatePodUpdate(next, old)).toEqual([]);
  });

  it("forbids other spec changes with kube's message", () => {
    const causes = validatePodUpdate(
      withSpec((spec) => {
        spec["restartPolicy"] = "Never";
      }),
      old,
    );
    expect(causes).toHaveLength(1);
    expect(causes[0]?.reason).toBe("FieldValueForbidden");
    expect(causes[0]?.field).toBe("spec");
    expect(causes[0]?.message).toBe(
      `Forbidden: ${POD_UPDATE_FORBIDDEN_MESSAGE}\n  spec.restartPolicy: "Always" -> "Never"`,
    );
  });

  it("forbids adding a container or changing a port", () => {
    const added = validatePodUpdate(
      withSpec((spec) => {
        containers(spec).push({
          name: "d",
          image: "x:1",
          imagePullPolicy: "IfNotPresent",
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
        });
      }),
      old,
    );
    expect(messages(added)[0]).toMatch(/^spec: Forbidden: pod updates may not change fields other than/);
  });

  it("forbids raising or removing activeDeadlineSeconds", () => {
    expect(
      messages(
        validatePodUpdate(
          withSpec((s) => void (s["activeDeadlineSeconds"] = 200)),
          old,
        ),
      ),
    ).toEqual([
      "spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value",
    ]);
    expect(
      messages(
        validatePodUpdate(
          withSpec((s) => void delete s["activeDeadlineSeconds"]),
          old,
        ),
      ),
    ).toEqual([
      "spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value",
    ]);
  });

  it("forbids removing tolerations", () => {
    expect(
      messages(
        validatePodUpdate(
          withSpec((s) => void (s["tolerations"] = [])),
          old,
        ),
      ),
    ).toEqual([
      "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds",
    ]);
  });

  it("allows terminationGracePeriodSeconds to go from negative to 1", () => {
    const negative = pod({ terminationGracePeriodSeconds: -5 });
    const next = structuredClone(negative);
    (next["spec"] as Obj)["terminationGracePeriodSeconds"] = 1;
    expect(validatePodUpdate(next, negative)).toEqual([]);
  });

  it("keeps identity metadata immutable and ignores status", () => {
    const next = structuredClone(old);
    next["metadata"] = { name: "q", namespace: "default" };
    next["status"] = { phase: "Running" };
    expect(messages(validatePodUpdate(next, old))).toEqual([
      'metadata.name: Invalid value: "q": field is immutable',
    ]);
  });
});
