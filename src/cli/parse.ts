// Parsers for option and argument values: a mistake is commander's InvalidArgumentError,
// which the CLI reports as a usage error (exit 2) naming the value.
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "commander";

export const jsonValue = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    throw new InvalidArgumentError(`'${raw}' is not valid JSON`);
  }
};

export const jsonObject = (raw: string): Record<string, unknown> => {
  const value = jsonValue(raw);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidArgumentError(`'${raw}' is not a JSON object`);
  return value as Record<string, unknown>;
};

/** A file's JSON ("-" reads stdin). */
export const jsonFile = (path: string): unknown => {
  let text: string;
  try {
    text = readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (error) {
    throw new InvalidArgumentError(`cannot read '${path}': ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`'${path}' is not valid JSON`);
  }
};

export const positiveInt = (raw: string): number => {
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) throw new InvalidArgumentError(`'${raw}' is not a positive whole number`);
  return Number(raw);
};

/** `name=value`, repeatable: collected into a record. */
export const label = (raw: string, previous: Record<string, string> = {}): Record<string, string> => {
  const at = raw.indexOf("=");
  if (at < 1) throw new InvalidArgumentError(`'${raw}' is not name=value`);
  return { ...previous, [raw.slice(0, at)]: raw.slice(at + 1) };
};

/** A repeatable string option. */
export const collect = (raw: string, previous: string[] = []): string[] => [...previous, raw];
