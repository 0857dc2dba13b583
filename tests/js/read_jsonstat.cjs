// Reads JSON-stat files with the JSON-stat JavaScript Toolkit and prints, per file, what it found: the class,
// the dimension ids and sizes, and every cell as {dimension id: category id, ..., value, status}.
// Usage: node read_jsonstat.cjs FILE...   (tests/e2e/test_jsonstat.py runs it)
"use strict";
const fs = require("node:fs");
const JSONstat = require("jsonstat-toolkit");

const out = {};
for (const file of process.argv.slice(2)) {
  const read = JSONstat(JSON.parse(fs.readFileSync(file, "utf8")));
  if (read.class === "collection") {
    out[file] = { class: read.class, items: read.Item().map((item) => item.href) };
    continue;
  }
  out[file] = {
    class: read.class,
    id: read.id,
    size: read.size,
    role: read.role,
    cells: read.toTable({ type: "arrobj", content: "id", status: true }),
  };
}
process.stdout.write(JSON.stringify(out));
