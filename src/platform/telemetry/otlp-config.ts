// Where spans go, from the deployment's variables: JIDO_OTLP_ENDPOINT (an OTLP/HTTP
// receiver; empty: tracing export off), JIDO_OTLP_HEADERS (a secret: `k=v,k2=v2`, values
// percent-decoded, as OTEL_EXPORTER_OTLP_HEADERS) and JIDO_TRACE_SAMPLE_RATE. An endpoint
// with no path gets the signal's path `/v1/traces` (as OTEL_EXPORTER_OTLP_ENDPOINT);
// one with a path is used as it is (as OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).
import { parseSampleRate } from "./sampling.ts";

export type TracingConfig = {
  /** Null: export is off (nothing is recorded). */
  url: string | null;
  headers: Record<string, string>;
  rate: number;
  /** The variables that were malformed (and their default taken). */
  invalid: string[];
};

export type TracingVars = { JIDO_OTLP_ENDPOINT?: string; JIDO_OTLP_HEADERS?: string; JIDO_TRACE_SAMPLE_RATE?: string };

const endpointUrl = (raw: string): string | null => {
  try {
    const url = new URL(raw);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (url.pathname === "/" || url.pathname === "") url.pathname = "/v1/traces";
    return url.href;
  } catch {
    return null;
  }
};

/** `k=v` pairs separated by commas; a pair without `=` or with an empty key is skipped (and reported). */
export const parseOtlpHeaders = (raw: string): { headers: Record<string, string>; invalid: boolean } => {
  const headers: Record<string, string> = {};
  let invalid = false;
  for (const pair of raw.split(",")) {
    if (pair.trim() === "") continue;
    const at = pair.indexOf("=");
    const key = at < 0 ? "" : pair.slice(0, at).trim().toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(key)) {
      invalid = true;
      continue;
    }
    try {
      headers[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      invalid = true;
    }
  }
  return { headers, invalid };
};

export const tracingConfigFrom = (vars: TracingVars): TracingConfig => {
  const invalid: string[] = [];
  const rawEndpoint = (vars.JIDO_OTLP_ENDPOINT ?? "").trim();
  const url = rawEndpoint === "" ? null : endpointUrl(rawEndpoint);
  if (rawEndpoint !== "" && url === null) invalid.push("JIDO_OTLP_ENDPOINT");
  const { headers, invalid: badHeaders } = parseOtlpHeaders(vars.JIDO_OTLP_HEADERS ?? "");
  if (badHeaders) invalid.push("JIDO_OTLP_HEADERS");
  const { rate, invalid: badRate } = parseSampleRate(vars.JIDO_TRACE_SAMPLE_RATE);
  if (badRate) invalid.push("JIDO_TRACE_SAMPLE_RATE");
  return { url, headers, rate, invalid };
};
