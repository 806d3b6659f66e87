// The span attribute names the platform uses: OpenTelemetry semantic conventions where
// they exist (the stable ones imported; the incubating messaging ones copied, as the
// package advises, since incubating names may change between its releases), and a few
// `jido.*` names of the platform's own.
export {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_RPC_METHOD,
  ATTR_RPC_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from "@opentelemetry/semantic-conventions";

/** rpc.system.name of calls between the Worker and Durable Objects (no registered value exists). */
export const RPC_SYSTEM = "cloudflare_durable_objects";

export const ATTR_MESSAGING_SYSTEM = "messaging.system";
export const ATTR_MESSAGING_OPERATION_TYPE = "messaging.operation.type";
export const ATTR_MESSAGING_OPERATION_NAME = "messaging.operation.name";
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name";
export const ATTR_MESSAGING_MESSAGE_ID = "messaging.message.id";
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = "messaging.consumer.group.name";
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = "messaging.batch.message_count";
/** messaging.system of the platform's event streams. */
export const MESSAGING_SYSTEM = "jido";

export const ATTR_TENANT = "jido.tenant";
export const ATTR_AGENT_TYPE = "jido.agent.type";
export const ATTR_AGENT_ID = "jido.agent.id";
export const ATTR_ACTION = "jido.action";
export const ATTR_RUN_ID = "jido.run.id";
export const ATTR_WORKFLOW = "jido.workflow.name";
export const ATTR_STEP = "jido.workflow.step";
export const ATTR_DELIVERY_TARGET = "jido.delivery.target";
/** Set at a span's start by an agent: its type's sample rate (read by the sampler, sampling.ts). */
export const ATTR_SAMPLE_RATE = "jido.trace.sample_rate";
