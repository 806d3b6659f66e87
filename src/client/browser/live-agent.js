// @ts-check
// A live copy of one agent's state, for browsers (a plain ES module, no build step, no
// dependencies: `<script type="module">import { LiveAgent } from "./live-agent.js"`),
// also used by the typed client's `agent.watch()`. It opens GET /v1/agents/:id/live with
// a fresh single-use ticket as subprotocol, applies the JSON Patches it is sent (RFC 6902),
// reconnects with the last version it holds (`?since=`) after a drop, and tells its
// subscribers each new state. README "Live state" describes the protocol.

/** @param {string} token */
const unescape = (token) => token.replaceAll("~1", "/").replaceAll("~0", "~");

/** @param {string} path */
const pointer = (path) => {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new Error(`JSON Pointer '${path}' does not start with '/'`);
  return path.slice(1).split("/").map(unescape);
};

/** @param {any} container @param {string} key */
const arrayIndex = (container, key, forAdd = false) => {
  if (key === "-" && forAdd) return container.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new Error(`'${key}' is not an array index`);
  const index = Number(key);
  if (index > container.length || (!forAdd && index === container.length)) throw new Error(`index ${index} is out of range`);
  return index;
};

/**
 * Applies an RFC 6902 patch to a copy of `doc` and answers the copy (`doc` is untouched).
 * Throws when an operation cannot apply (the caller then asks for the whole state).
 * @param {unknown} doc
 * @param {ReadonlyArray<{op: string, path: string, value?: unknown, from?: string}>} patch
 * @returns {unknown}
 */
export const applyPatch = (doc, patch) => {
  /** @type {{ root: any }} */
  const box = { root: structuredClone(doc) };
  /** @param {string} path */
  const parentOf = (path) => {
    const keys = ["root", ...pointer(path)];
    /** @type {any} */
    let node = box;
    for (const key of keys.slice(0, -1)) {
      node = Array.isArray(node) ? node[arrayIndex(node, key)] : node?.[key];
      if (node === null || typeof node !== "object") throw new Error(`path '${path}' does not exist`);
    }
    return { node, key: /** @type {string} */ (keys.at(-1)) };
  };
  /** @param {string} path */
  const get = (path) => {
    const { node, key } = parentOf(path);
    if (Array.isArray(node)) return node[arrayIndex(node, key)];
    if (!Object.prototype.hasOwnProperty.call(node, key)) throw new Error(`path '${path}' does not exist`);
    return node[key];
  };
  /** @param {string} path */
  const remove = (path) => {
    const { node, key } = parentOf(path);
    const value = get(path);
    if (Array.isArray(node)) node.splice(arrayIndex(node, key), 1);
    else delete node[key];
    return value;
  };
  /** @param {string} path @param {unknown} value */
  const add = (path, value) => {
    const { node, key } = parentOf(path);
    if (Array.isArray(node)) node.splice(arrayIndex(node, key, true), 0, value);
    else node[key] = value;
  };
  for (const op of patch) {
    switch (op.op) {
      case "add":
        add(op.path, structuredClone(op.value));
        break;
      case "remove":
        remove(op.path);
        break;
      case "replace":
        if (op.path === "") box.root = structuredClone(op.value);
        else {
          remove(op.path);
          add(op.path, structuredClone(op.value));
        }
        break;
      case "move":
        add(op.path, remove(/** @type {string} */ (op.from)));
        break;
      case "copy":
        add(op.path, structuredClone(get(/** @type {string} */ (op.from))));
        break;
      case "test":
        if (JSON.stringify(get(op.path)) !== JSON.stringify(op.value)) throw new Error(`test of '${op.path}' failed`);
        break;
      default:
        throw new Error(`unknown operation '${op.op}'`);
    }
  }
  return box.root;
};

/**
 * @typedef {{ state: unknown, version: number }} Snapshot
 * @typedef {{
 *   url: string,
 *   ticket: () => Promise<string>,
 *   WebSocket?: typeof WebSocket,
 *   reconnectMs?: number,
 * }} LiveAgentOptions
 */

export class LiveAgent {
  /** @type {unknown} */ state = undefined;
  /** @type {number | null} */ version = null;
  /** @type {Set<(snapshot: Snapshot) => void>} */ #subscribers = new Set();
  /** @type {Map<string, { resolve: (v: unknown) => void, reject: (e: unknown) => void }>} */ #pending = new Map();
  /** @type {WebSocket | null} */ #socket = null;
  #closed = false;
  #next = 0;
  /** @type {LiveAgentOptions} */ #options;
  /** @type {((reason: unknown) => void) | null} */ onerror = null;
  /** Called once when the copy stops for good (closed by the client, the agent deleted). @type {((code: number) => void) | null} */ onclose = null;

  /** @param {LiveAgentOptions} options */
  constructor(options) {
    this.#options = options;
  }

  /** Calls `fn` with each new state (and at once with the current one, if any); answers the unsubscribe. */
  subscribe(/** @type {(snapshot: Snapshot) => void} */ fn) {
    this.#subscribers.add(fn);
    if (this.version !== null) fn({ state: this.state, version: this.version });
    return () => this.#subscribers.delete(fn);
  }

  /** Opens the socket (again); resolves once it is open. */
  async connect() {
    const ticket = await this.#options.ticket();
    const url = new URL(this.#options.url);
    if (this.version !== null) url.searchParams.set("since", String(this.version));
    const Socket = this.#options.WebSocket ?? globalThis.WebSocket;
    const ws = new Socket(url.toString(), ["jido.live.v1", `jido.ticket.${ticket}`]);
    this.#socket = ws;
    ws.addEventListener("message", (event) => this.#receive(JSON.parse(String(event.data))));
    ws.addEventListener("close", (event) => this.#dropped(event.code));
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve, { once: true });
      ws.addEventListener("error", reject, { once: true });
    });
  }

  /**
   * Calls an action over the socket (a ticket of scope "call"); resolves with its output, rejects with its problem.
   * @param {string} action @param {unknown} input @param {{ idempotencyKey?: string }} [options]
   */
  call(action, input, options = {}) {
    const id = `c${++this.#next}`;
    return new Promise((resolve, reject) => {
      if (!this.#socket) return reject(new Error("not connected"));
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ call: action, input, id, ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}) }));
    });
  }

  close() {
    this.#closed = true;
    this.#socket?.close(1000, "closed by client");
  }

  /** @param {any} message */
  #receive(message) {
    if (message.type === "state") this.#set(message.state, message.version);
    else if (message.type === "patch") {
      if (message.from !== this.version) return this.#resync();
      if (message.version === this.version) return;
      try {
        this.#set(applyPatch(this.state, message.patch), message.version);
      } catch {
        this.#resync();
      }
    } else if (message.type === "reply" && typeof message.reply === "string") {
      const pending = this.#pending.get(message.reply);
      this.#pending.delete(message.reply);
      if (message.problem) pending?.reject(Object.assign(new Error(message.problem.detail ?? message.problem.title), { problem: message.problem }));
      else pending?.resolve(message.output);
    }
  }

  /** @param {unknown} state @param {number} version */
  #set(state, version) {
    this.state = state;
    this.version = version;
    for (const fn of this.#subscribers) fn({ state, version });
  }

  /** A patch that does not fit what this copy holds: start again from the whole state. */
  #resync() {
    this.version = null;
    this.#socket?.close(1000, "resync");
  }

  /** @param {number} code */
  #dropped(code) {
    for (const pending of this.#pending.values()) pending.reject(new Error(`socket closed (${code})`));
    this.#pending.clear();
    this.#socket = null;
    // 4404: the agent was deleted; 1009/1003: this client sent something wrong. None improves by retrying.
    if (this.#closed || code === 4404 || code === 1009 || code === 1003) {
      this.#closed = true;
      this.onclose?.(code);
      return;
    }
    // A failed reconnect (no ticket, network down) is reported and tried again after the same pause.
    setTimeout(() => {
      this.connect().catch((error) => {
        this.onerror?.(error);
        this.#dropped(1006);
      });
    }, this.#options.reconnectMs ?? 1000);
  }

  get closed() {
    return this.#closed;
  }
}
