// JSON with object keys sorted at every depth, so two requests that differ only in key
// order have the same fingerprint (idempotency keys, checkpoint digests).
const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
};

export const canonicalJson = (value: unknown): string => JSON.stringify(sortKeys(value)) ?? "null";

/** Hex SHA-256 of a string (Web Crypto, so it runs in Workers, Node and Deno alike). */
export const sha256Hex = async (text: string): Promise<string> => {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
};
