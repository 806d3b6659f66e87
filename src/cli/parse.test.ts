import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { jsonObject, label, positiveInt } from "./parse.ts";

describe("value parsers", () => {
  it("reads JSON objects and refuses anything else, naming the value", () => {
    expect(jsonObject('{"by":2}')).toEqual({ by: 2 });
    expect(() => jsonObject("{by:2}")).toThrow(new InvalidArgumentError("'{by:2}' is not valid JSON"));
    expect(() => jsonObject("[1]")).toThrow("'[1]' is not a JSON object");
  });

  it("reads positive whole numbers", () => {
    expect(positiveInt("20")).toBe(20);
    for (const raw of ["0", "-1", "1.5", "ten", ""]) expect(() => positiveInt(raw)).toThrow(InvalidArgumentError);
  });

  it("collects labels", () => {
    expect(label("tier=gold", label("region=us"))).toEqual({ region: "us", tier: "gold" });
    expect(label("url=a=b")).toEqual({ url: "a=b" });
    expect(() => label("=x")).toThrow("'=x' is not name=value");
  });
});
