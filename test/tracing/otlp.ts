// Spans as an OTLP/HTTP JSON export request carries them (ids in hex, attributes as
// typed values), flattened for assertions. Used by the workers tracing tests and the
// end-to-end test's receiver.
export type ExportedSpan = {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  links: { traceId: string; spanId: string }[];
  traceState: string | undefined;
  service: string | undefined;
};

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };
type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: KeyValue[]; links?: { traceId: string; spanId: string }[]; traceState?: string };
type ExportRequest = { resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[] };

const valueOf = (value: AnyValue): string | number | boolean =>
  value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue ?? "";

const attributesOf = (list: KeyValue[] | undefined): Record<string, string | number | boolean> => Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));

export const spansOf = (body: string): ExportedSpan[] =>
  ((JSON.parse(body) as ExportRequest).resourceSpans ?? []).flatMap((resource) => {
    const service = attributesOf(resource.resource?.attributes)["service.name"];
    return (resource.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId || undefined,
        name: span.name,
        kind: span.kind,
        attributes: attributesOf(span.attributes),
        links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
        traceState: span.traceState || undefined,
        service: typeof service === "string" ? service : undefined,
      })),
    );
  });

/** The one span that satisfies `test`, failing with the names of all when there is not exactly one. */
export const only = (spans: readonly ExportedSpan[], what: string, test: (span: ExportedSpan) => boolean): ExportedSpan => {
  const found = spans.filter(test);
  if (found.length !== 1) throw new Error(`expected one span ${what}, found ${found.length} among: ${spans.map((s) => s.name).join(", ")}`);
  return found[0]!;
};

/** OTLP span kinds (SpanKind + 1). */
export const KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
