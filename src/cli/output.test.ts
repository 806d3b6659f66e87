import { describe, expect, it } from "vitest";
import { cell, keyValues, nextPage, problemText, table } from "./output.ts";

describe("table", () => {
  const rows = [
    { id: "c1", type: "counter", calls: 3, labels: { region: "us" } },
    { id: "processor-us-1", type: "processing_agent", calls: 12, labels: null },
  ];
  const columns = [
    { header: "ID", value: (r: (typeof rows)[number]) => r.id },
    { header: "TYPE", value: (r: (typeof rows)[number]) => r.type },
    { header: "CALLS", value: (r: (typeof rows)[number]) => r.calls, align: "right" as const },
    { header: "LABELS", value: (r: (typeof rows)[number]) => r.labels },
  ];

  it("aligns columns under their headers, numbers to the right, without trailing blanks", () => {
    expect(table(rows, columns)).toBe(
      [
        "ID              TYPE              CALLS  LABELS",
        'c1              counter               3  {"region":"us"}',
        "processor-us-1  processing_agent     12  -",
        "",
      ].join("\n"),
    );
  });

  it("says (none) for no rows", () => {
    expect(table([], columns)).toBe("(none)\n");
  });
});

describe("cell", () => {
  it("keeps one line and cuts long values with an ellipsis", () => {
    expect(cell("a\n  b")).toBe("a b");
    expect(cell("x".repeat(70), 10)).toBe(`${"x".repeat(9)}…`);
    expect(cell(undefined)).toBe("-");
    expect(cell(0)).toBe("0");
  });
});

describe("keyValues", () => {
  it("aligns values after their keys and writes objects as JSON", () => {
    expect(keyValues([["id", "c1"], ["status", "running"], ["state", { value: 2 }]])).toBe('id:     c1\nstatus: running\nstate:  {"value":2}\n');
  });
});

describe("nextPage", () => {
  it("names the cursor only when there is a next page", () => {
    expect(nextPage("abc")).toBe("next page: --cursor abc\n");
    expect(nextPage(null)).toBe("");
  });
});

describe("problemText", () => {
  it("gives the status and title, then the detail, then each field", () => {
    expect(
      problemText({
        type: "https://jido.dev/problems/validation",
        title: "Invalid request",
        status: 400,
        detail: "The body is not valid.",
        errors: [{ path: "by", message: "expected number" }],
      }),
    ).toBe("error: 400 Invalid request\nThe body is not valid.\n  by: expected number\n");
    expect(problemText({ type: "about:blank", title: "Not Found", status: 404 })).toBe("error: 404 Not Found\n");
  });
});
