// The `config.changed` event: appended to the tenant's `config` stream (written only by
// the platform) when a version is created, naming the paths whose effective values changed.
export const CONFIG_STREAM = "config";
export const CONFIG_CHANGED = "config.changed";

export type ConfigChange = {
  version: number;
  previousVersion: number;
  changed: string[];
  by: string;
  kind: "patch" | "rollback";
  /** For a rollback: the version whose settings it restored. */
  restored?: number;
};

export const configChangedEvent = (tenant: string, change: ConfigChange, at: number) => ({
  // One id per tenant and version, so an event appended again after a crash is stored once.
  id: `config-${change.version}`,
  type: CONFIG_CHANGED,
  source: "platform/config",
  subject: `config/${tenant}/v${change.version}`,
  time: new Date(at).toISOString(),
  data: change,
});
