/** The CLI side of the upgrade guards: generate's refusal and --allow-replace, check's text and --json. */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, snapshotTree, tempDir } from "../helpers.js";

const STAGING = (className: string) => `name: staging
namespace: argusai-staging
secret: { mode: existing }
storage: { className: ${className} }
`;

describe("generate --allow-replace, check", () => {
  it("refuses a storage class change with exit 1 naming environment, field, old and new value; check and --json say the same; --allow-replace ENV goes on", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "staging.yaml");
    await writeFile(file, STAGING("standard"));
    expect((await runCli(["generate", "--dir", dir, "--env-file", file])).code).toBe(0);
    await writeFile(file, STAGING("fast"));
    const before = await snapshotTree(dir);

    const refused = await runCli(["generate", "--dir", dir, "--env-file", file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^argusai-kustomize: UPGRADE_REFUSED: 1 change\(s\) to existing objects .*nothing was written/);
    expect(refused.stderr).toContain(
      'environment "staging", field storage.className: PersistentVolumeClaim/argusai-data spec.storageClassName: "standard" -> "fast"',
    );
    expect(refused.stderr).toContain("--allow-replace staging");
    expect(await snapshotTree(dir)).toEqual(before);

    const json = await runCli(["generate", "--dir", dir, "--env-file", file, "--json"]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: "UPGRADE_REFUSED", problems: [{ environment: "staging", field: "storage.className" }] });

    const checked = await runCli(["check", "--dir", dir]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain(
      'refused: environment "staging", field storage.className: PersistentVolumeClaim/argusai-data spec.storageClassName: "standard" -> "fast"',
    );
    const checkedJson = JSON.parse((await runCli(["check", "--dir", dir, "--json"])).stdout);
    expect(checkedJson.ok).toBe(false);
    expect(checkedJson.upgrades).toEqual([
      expect.objectContaining({
        environment: "staging",
        field: "storage.className",
        object: "PersistentVolumeClaim/argusai-data",
        objectField: "spec.storageClassName",
        before: "standard",
        after: "fast",
      }),
    ]);

    expect((await runCli(["generate", "--dir", dir, "--env-file", file, "--allow-replace", "nope"])).code).toBe(2);
    const allowed = await runCli(["generate", "--dir", dir, "--env-file", file, "--allow-replace", "staging"]);
    expect(allowed.code).toBe(0);
    const clean = await runCli(["check", "--dir", dir, "--json"]);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ ok: true, upgrades: [] });
  });
});
