// The OTLP/HTTP span exporter the platform runs: OpenTelemetry's own export delegate
// (bounded concurrency, timeout, the export result contract) and JSON serializer, with a
// transport on the runtime's fetch. Why not the packaged OTLPTraceExporter: its package
// exports only the Node build, whose node:http client (emulated over fetch in workerd)
// works while the receiver answers, but a failed lookup of the receiver surfaces in
// workerd as an uncaught internal error per export instead of a failed export; fetch
// fails as a rejected promise, which this transport turns into a failed export. An
// export that fails is dropped: spans are diagnostics, and retrying would hold the
// object's waitUntil.
import { createOtlpNetworkExportDelegate, type ExportResponse, ExporterMetrics, type IExporterTransport, OTLPExporterBase } from "@opentelemetry/otlp-exporter-base";
import { JsonTraceSerializer, TraceExporterMetricsHelper } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** POSTs serialized export requests to `url`; never throws, answers what became of each. */
export const fetchTransport = (url: string, headers: Record<string, string>, fetchFn: Fetch = (input, init) => fetch(input, init)): IExporterTransport => ({
  async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    try {
      const response = await fetchFn(url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: data,
        signal: AbortSignal.timeout(timeoutMillis),
      });
      await response.body?.cancel();
      if (response.ok) return { status: "success" };
      return { status: "failure", error: new Error(`OTLP receiver answered ${response.status}`) };
    } catch (error) {
      return { status: "failure", error: error instanceof Error ? error : new Error(String(error)) };
    }
  },
  shutdown() {},
});

export type OtlpExporterOptions = { url: string; headers: Record<string, string>; timeoutMillis: number; fetch?: Fetch };

/** A SpanExporter sending OTLP/HTTP JSON to `url`. */
export const createOtlpFetchExporter = (options: OtlpExporterOptions): OTLPExporterBase<ReadableSpan[]> =>
  new OTLPExporterBase(
    createOtlpNetworkExportDelegate(
      { timeoutMillis: options.timeoutMillis, concurrencyLimit: 4, compression: "none" },
      JsonTraceSerializer,
      new ExporterMetrics({ componentType: "otlp_http_span_exporter", metricsHelper: TraceExporterMetricsHelper, url: options.url, meterProvider: undefined, responseAttributesFromError: () => ({}) }),
      fetchTransport(options.url, options.headers, options.fetch),
    ),
  );
