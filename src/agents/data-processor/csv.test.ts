// Why: pins the RFC 4180 edge cases and the line numbers of every parse error.
import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv.ts";

describe("parseCsv: well-formed input", () => {
  it("reads the header as columns and the rest as rows", () => {
    expect(parseCsv("id,name\n1,Ada\n2,Grace")).toEqual({
      ok: true,
      columns: ["id", "name"],
      rows: [["1", "Ada"], ["2", "Grace"]],
    });
  });

  it("unquotes fields and unescapes doubled quotes", () => {
    expect(parseCsv('q\n"say ""hi"""\n""""')).toEqual({
      ok: true,
      columns: ["q"],
      rows: [['say "hi"'], ['"']],
    });
  });

  it("keeps delimiters and line breaks inside quotes", () => {
    expect(parseCsv('a,b\n"x,y","line 1\nline 2"\n"r\r\nn",z')).toEqual({
      ok: true,
      columns: ["a", "b"],
      rows: [["x,y", "line 1\nline 2"], ["r\r\nn", "z"]],
    });
  });

  it("treats CRLF, LF and a lone CR as line endings", () => {
    const expected = { ok: true, columns: ["a", "b"], rows: [["1", "2"], ["3", "4"]] };
    expect(parseCsv("a,b\r\n1,2\r\n3,4")).toEqual(expected);
    expect(parseCsv("a,b\n1,2\n3,4")).toEqual(expected);
    expect(parseCsv("a,b\r1,2\r3,4")).toEqual(expected);
  });

  it("ignores a trailing line break", () => {
    expect(parseCsv("a\n1\n")).toEqual({ ok: true, columns: ["a"], rows: [["1"]] });
    expect(parseCsv("a\r\n1\r\n")).toEqual({ ok: true, columns: ["a"], rows: [["1"]] });
  });

  it("strips a UTF-8 byte order mark", () => {
    expect(parseCsv("\uFEFFid\n7")).toEqual({ ok: true, columns: ["id"], rows: [["7"]] });
  });

  it("keeps empty fields, including a trailing one and a quoted empty one", () => {
    expect(parseCsv('a,b,c\n,,\n1,,3\n"",x,')).toEqual({
      ok: true,
      columns: ["a", "b", "c"],
      rows: [["", "", ""], ["1", "", "3"], ["", "x", ""]],
    });
  });

  it("skips entirely blank lines but keeps whitespace-only ones", () => {
    expect(parseCsv("a\n\n1\r\n\r\n\n2\n \n\n")).toEqual({
      ok: true,
      columns: ["a"],
      rows: [["1"], ["2"], [" "]],
    });
  });

  it("keeps unquoted whitespace as data", () => {
    expect(parseCsv("a,b\n 1 , x")).toEqual({ ok: true, columns: ["a", "b"], rows: [[" 1 ", " x"]] });
  });

  it("accepts another single-character delimiter", () => {
    expect(parseCsv('a;b\n1;"x;y"', { delimiter: ";" })).toEqual({
      ok: true,
      columns: ["a", "b"],
      rows: [["1", "x;y"]],
    });
    expect(parseCsv("a\tb\n1\t2", { delimiter: "\t" })).toEqual({
      ok: true,
      columns: ["a", "b"],
      rows: [["1", "2"]],
    });
  });

  it("returns no rows for a header-only input", () => {
    expect(parseCsv("a,b\n")).toEqual({ ok: true, columns: ["a", "b"], rows: [] });
  });

  it("does not pad rows to the header width", () => {
    expect(parseCsv("a,b,c\n1\n1,2,3,4")).toEqual({
      ok: true,
      columns: ["a", "b", "c"],
      rows: [["1"], ["1", "2", "3", "4"]],
    });
  });
});

describe("parseCsv: header=false", () => {
  it("names columns after the widest row and keeps every record as a row", () => {
    expect(parseCsv("1,2\n3,4,5\n6", { header: false })).toEqual({
      ok: true,
      columns: ["column_1", "column_2", "column_3"],
      rows: [["1", "2"], ["3", "4", "5"], ["6"]],
    });
  });
});

describe("parseCsv: errors", () => {
  it("reports an unterminated quote on the line it opened", () => {
    expect(parseCsv('a\n1\n"open\nmore\n')).toEqual({
      ok: false,
      error: { line: 3, message: "unterminated quoted field" },
    });
  });

  it("reports a quote in the middle of an unquoted field", () => {
    expect(parseCsv('a,b\n1,ab"c"')).toEqual({
      ok: false,
      error: { line: 2, message: "quote inside an unquoted field" },
    });
    expect(parseCsv('a\n "x"')).toEqual({
      ok: false,
      error: { line: 2, message: "quote inside an unquoted field" },
    });
  });

  it("reports text after a closing quote", () => {
    expect(parseCsv('a\n"x"y')).toEqual({
      ok: false,
      error: { line: 2, message: "unexpected character after a closing quote" },
    });
  });

  it("counts lines inside quoted fields and blank lines when locating errors", () => {
    expect(parseCsv('a\n"1\r\n2\n3"\n\nx"')).toEqual({
      ok: false,
      error: { line: 6, message: "quote inside an unquoted field" },
    });
  });

  it("rejects empty input, a lone BOM and blank lines only", () => {
    expect(parseCsv("")).toEqual({ ok: false, error: { line: 1, message: "empty input" } });
    expect(parseCsv("\uFEFF")).toEqual({ ok: false, error: { line: 1, message: "empty input" } });
    expect(parseCsv("\n\r\n\n")).toEqual({
      ok: false,
      error: { line: 1, message: "empty input: only blank lines" },
    });
  });

  it("rejects a delimiter that is not one safe character", () => {
    for (const delimiter of ["", ";;", '"', "\n", "\r"]) {
      const result = parseCsv("a", { delimiter });
      expect(result.ok).toBe(false);
    }
    expect(parseCsv("a", { delimiter: ";;" })).toEqual({
      ok: false,
      error: { line: 1, message: 'delimiter must be a single character, got ";;"' },
    });
  });
});
