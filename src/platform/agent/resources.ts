// Parses an agent's declared resources ("512MB", 2 cores, "10GB") into numbers the
// supervisor and placement can compare. Sizes use binary multiples: the seed's
// "512MB" of memory means 512 * 1024^2 bytes, as memory is sized; KiB/MiB/GiB/TiB
// are accepted as the same units.
import { z } from "zod";

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  KIB: 1024,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
  TB: 1024 ** 4,
  TIB: 1024 ** 4,
};

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/;

/** Bytes in a size such as "512MB" or "1.5 GiB"; null when it is not a size. */
export const parseSize = (text: string): number | null => {
  const match = SIZE.exec(text);
  if (!match) return null;
  const factor = UNITS[(match[2] ?? "").toUpperCase()];
  if (factor === undefined) return null;
  const bytes = Math.round(Number(match[1]) * factor);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
};

const sizeSchema = z.string().transform((text, ctx) => {
  const bytes = parseSize(text);
  if (bytes === null) {
    ctx.addIssue({ code: "custom", message: `'${text}' is not a size such as "512MB" or "10GB"` });
    return z.NEVER;
  }
  return { declared: text, bytes };
});

const cpuSchema = z.union([
  z.number().positive(),
  z.strictObject({ cores: z.number().positive() }),
]).transform((cpu) => (typeof cpu === "number" ? cpu : cpu.cores));

export const resourcesSchema = z.strictObject({
  memory: sizeSchema.optional(),
  cpu: cpuSchema.optional(),
  storage: sizeSchema.optional(),
});

export type ResourcesInput = z.input<typeof resourcesSchema>;

/** Resources as stored and listed: bytes and cores, with the declared text kept. */
export type Resources = {
  memoryBytes: number | null;
  memory: string | null;
  cpuCores: number | null;
  storageBytes: number | null;
  storage: string | null;
};

export const normaliseResources = (parsed: z.output<typeof resourcesSchema>): Resources => ({
  memoryBytes: parsed.memory?.bytes ?? null,
  memory: parsed.memory?.declared ?? null,
  cpuCores: parsed.cpu ?? null,
  storageBytes: parsed.storage?.bytes ?? null,
  storage: parsed.storage?.declared ?? null,
});
