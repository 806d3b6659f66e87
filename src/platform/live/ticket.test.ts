import { describe, expect, it } from "vitest";
import { mintTicket, parseTicket, selectedProtocol, ticketFromProtocols } from "./ticket.ts";

describe("tickets", () => {
  it("carry their tenant and a 256-bit secret, and read back", () => {
    const { ticket, secret } = mintTicket("t-main:eu");
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parseTicket(ticket)).toEqual({ tenant: "t-main:eu", secret });
    expect(mintTicket("t").secret).not.toBe(mintTicket("t").secret);
  });

  it("are valid subprotocol tokens (RFC 7230 tchar only)", () => {
    expect(mintTicket("t-main:eu/x").ticket).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it("refuse what is malformed: no secret, a short one, a tenant that is not an id", () => {
    expect(parseTicket("abc")).toBeNull();
    expect(parseTicket(`dA.${"a".repeat(42)}`)).toBeNull();
    expect(parseTicket(`${btoa("a/b")}.${"a".repeat(43)}`)).toBeNull();
  });

  it("are found among offered subprotocols; the server answers jido.live.v1 when offered", () => {
    expect(ticketFromProtocols("jido.live.v1, jido.ticket.abc.def")).toBe("abc.def");
    expect(ticketFromProtocols("chat")).toBeNull();
    expect(ticketFromProtocols(null)).toBeNull();
    expect(selectedProtocol("jido.ticket.x, jido.live.v1")).toBe("jido.live.v1");
    expect(selectedProtocol("jido.ticket.x")).toBe("jido.ticket.x");
    expect(selectedProtocol(undefined)).toBeNull();
  });
});
