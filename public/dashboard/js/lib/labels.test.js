// Labels typed as text, to the API's object and the directory's filter.
import { describe, expect, it } from "vitest";
import { formatLabels, labelQuery, parseLabels } from "./labels.js";

describe("labels", () => {
  it("parses comma or newline separated pairs, trimmed", () => {
    expect(parseLabels(" region = eu ,tier=gold\nzone=a=b")).toEqual({ ok: true, labels: { region: "eu", tier: "gold", zone: "a=b" } });
    expect(parseLabels("")).toEqual({ ok: true, labels: {} });
  });

  it("names the pair in error", () => {
    expect(parseLabels("region")).toEqual({ ok: false, error: "'region' is not name=value" });
    expect(parseLabels("=x")).toEqual({ ok: false, error: "'=x' is not name=value" });
    expect(parseLabels("a=1,a=2")).toEqual({ ok: false, error: "label 'a' is given twice" });
  });

  it("makes the directory query and formats for display", () => {
    expect(labelQuery({ region: "eu" })).toEqual({ "label.region": "eu" });
    expect(formatLabels({ region: "eu", tier: "gold" })).toBe("region=eu, tier=gold");
    expect(formatLabels(undefined)).toBe("");
  });
});
