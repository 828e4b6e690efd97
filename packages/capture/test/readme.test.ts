import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import * as capture from "../src/index.js";

const MODULES: Record<string, Record<string, unknown>> = {
  "node:fs": fs,
  "node:os": os,
  "node:path": path as unknown as Record<string, unknown>,
  "@ksm/capture": capture,
};

it("runs the README example and prints what it says", async () => {
  const readme = fs.readFileSync(path.join(import.meta.dirname, "../README.md"), "utf8");
  const code = /## Example[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const names: string[] = [];
  const values: unknown[] = [];
  const body = code.replace(/^import \{([^}]+)\} from "([^"]+)";\n/gm, (_, list: string, from: string) => {
    for (const n of list.split(",").map((x) => x.trim())) {
      names.push(n);
      values.push(MODULES[from]![n]);
    }
    return "";
  });
  const printed: string[] = [];
  const AsyncFunction = (async () => {}).constructor as new (
    ...a: string[]
  ) => (...v: unknown[]) => Promise<void>;
  await new AsyncFunction(...names, "console", body)(...values, { log: (s: string) => printed.push(s) });
  const promised = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(printed).toEqual(promised);
});
