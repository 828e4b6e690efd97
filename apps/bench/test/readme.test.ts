import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { example } from "./readme-example.js";

const dedent = (lines: string[]) => {
  const pad = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(pad)).join("\n");
};

describe("README", () => {
  it("shows the API example verbatim, and the example runs", async () => {
    const source = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8").split("\n");
    const body = source.slice(
      source.findIndex((l) => l.trim() === "// begin") + 1,
      source.findIndex((l) => l.trim() === "// end"),
    );
    const imports = source
      .filter((l) => l.startsWith("import "))
      .map((l) => l.replace("../src/index.js", "@ksm/bench"));
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${imports.join("\n")}\n\n${dedent(body)}\n\`\`\``);
    const lines = await example();
    expect(lines[0]).toMatch(/^default: \d+\.\d\d MiB saved, Δ pages scanned 0$/);
    // zero-heavy never reclaims, so a reclaim policy gives the default's run; the skiplist
    // visits other tree nodes
    expect(lines.find((l) => l.startsWith("reclaim=clock: "))).toMatch(/no effect$/);
    expect(lines.find((l) => l.startsWith("tree=skiplist: "))).toMatch(/Δ pages scanned /);
  });
});
