// Committed agent state is shared by every later call, so it is frozen: an action that
// mutates `ctx.state` in place fails loudly instead of corrupting the cached state.
export const deepFreeze = <T>(value: T): T => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};
