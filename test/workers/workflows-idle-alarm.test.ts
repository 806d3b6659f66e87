// A coordinator's alarm that finds nothing due (a run waiting on a far deadline) must
// write nothing: `updatedAt` means "the run changed", and a wake-up is not a change.
// Before, every alarm stamped the run with the time of the wake-up, so a run looked
// changed (and a "the run is unchanged" check failed) whenever its alarm happened to fire.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createRunStore } from "../../objects/workflow/run-store.ts";
import { clientOf, fireAlarm, register, runOf, runStub, startRun, stepOf, stepReaches } from "./workflows.ts";

/** Every row of every table the run keeps (header, its parts, steps, unpublished events, and the optional ones it created), as stored. */
const storedRows = (tenant: string, runId: string) =>
  runInDurableObject(runStub(tenant, runId), (_instance, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
      .toArray()
      .map((row) => row.name);
    expect(tables).toEqual(expect.arrayContaining(["run", "steps"]));
    return Object.fromEntries(tables.map((table) => [table, state.storage.sql.exec(`SELECT * FROM "${table}"`).toArray()]));
  });

/** Published and indexed as `running`: nothing is left for a publishing pass to write. */
const quiet = (tenant: string, runId: string) =>
  runInDurableObject(runStub(tenant, runId), (_instance, state) => {
    const store = createRunStore(state.storage);
    return store.outbox.pending() === 0 && store.load()?.indexedStatus === "running";
  });

describe("an alarm with nothing due", () => {
  it("leaves the stored run byte-identical, its updatedAt included", async () => {
    const client = await clientOf();
    await register(client, {
      name: "idle_wait",
      version: "1.0.0",
      participants: { processor: { type: "processing_agent", spawn: true } },
      flow: [{ await: "approved", role: "processor", event: "order.approved", timeout: 600_000 }],
    });
    const started = await startRun(client, "idle_wait", {});
    await stepReaches(client, started.id, "approved", "waiting");
    for (let i = 0; !(await quiet(client.tenant, started.id)); i++) {
      if (i > 500) throw new Error("the run was never published and indexed");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const before = await storedRows(client.tenant, started.id);
    const view = await runOf(client, started.id);
    // The await's deadline arms the alarm; firing it now finds nothing due.
    expect(await fireAlarm(client.tenant, started.id)).toBe(true);
    expect(await storedRows(client.tenant, started.id)).toEqual(before);
    const after = await runOf(client, started.id);
    expect(after.updatedAt).toBe(view.updatedAt);
    expect(stepOf(after, "approved").status).toBe("waiting");
    expect(after).toEqual(view);
  });
});
