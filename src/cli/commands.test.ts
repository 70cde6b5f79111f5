import { describe, expect, it } from "vitest";
import { agent } from "./agent.js";
import { apiserver } from "./apiserver.js";
import { commands } from "./commands.js";
import { controllerManager } from "./controller-manager.js";
import { kubeconfig } from "./kubeconfig.js";
import { token } from "./token.js";
import { scheduler } from "./scheduler.js";
import { version } from "./version.js";

describe("commands", () => {
  it("lists each command with the name and summary its own module gives", () => {
    expect(commands.map((c) => [c.name, c.summary])).toEqual(
      [version, apiserver, agent, scheduler, controllerManager, kubeconfig, token].map((c) => [
        c.name,
        c.summary,
      ]),
    );
  });

  it("runs a lazily loaded command", async () => {
    const lazyAgent = commands.find((c) => c.name === "agent");
    await expect(lazyAgent?.run(["--node-name", "n1"])).rejects.toThrow(/--kubeconfig: is required/);
  });

  it("refuses a scheduler without a kubeconfig", async () => {
    const lazyScheduler = commands.find((c) => c.name === "scheduler");
    await expect(lazyScheduler?.run([])).rejects.toThrow(/--kubeconfig is required/);
  });

  it("refuses a controller-manager without a kubeconfig or with a bad duration", async () => {
    const cm = commands.find((c) => c.name === "controller-manager");
    await expect(cm?.run([])).rejects.toThrow(/--kubeconfig is required/);
    await expect(cm?.run(["--kubeconfig", "/nonexistent", "--leader-elect", "maybe"])).rejects.toThrow(
      /--leader-elect must be true or false/,
    );
  });
});
