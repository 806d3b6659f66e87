// Values shared by every later reader are frozen: committed agent state, a parsed workflow
// definition, a tenant's resolved configuration. Code that mutates one in place fails
// loudly instead of corrupting what the next caller reads.
export const deepFreeze = <T>(value: T): T => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};
