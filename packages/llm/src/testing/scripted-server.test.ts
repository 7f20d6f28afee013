import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedResponse, type ScriptedServer, startScriptedServer } from "./scripted-server.js";

describe("startScriptedServer", () => {
  let script: ScriptedResponse = { status: 200, json: {} };
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer(() => script);
  });
  afterAll(() => server.close());

  it("answers JSON with the scripted status and headers, and records the request", async () => {
    script = { status: 429, headers: { "retry-after": "2" }, json: { error: { type: "rate_limit_error" } } };
    const response = await fetch(`${server.url}/v1/messages?x=1`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k" },
      body: JSON.stringify({ model: "m", max_tokens: 5 }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ error: { type: "rate_limit_error" } });
    expect(server.requests.at(-1)).toMatchObject({
      method: "POST",
      url: "/v1/messages?x=1",
      headers: { "x-api-key": "k" },
      body: { model: "m", max_tokens: 5 },
    });
  });

  it("answers plain text, and keeps a body that is not JSON as text", async () => {
    script = { status: 502, text: "<html>Bad gateway</html>" };
    const response = await fetch(server.url, { method: "POST", body: "not json" });
    expect(response.status).toBe(502);
    expect(await response.text()).toBe("<html>Bad gateway</html>");
    expect(server.requests.at(-1)?.body).toBe("not json");
    await fetch(server.url);
    expect(server.requests.at(-1)?.body).toBeUndefined();
  });

  it("writes event streams: named events, data-only events, raw text", async () => {
    script = {
      events: [
        { event: "message_start", data: { type: "message_start" } },
        { data: "[DONE]" },
        { raw: ": keep-alive\r\n\r\n" },
      ],
    };
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(await response.text()).toBe(
      'event: message_start\ndata: {"type":"message_start"}\n\ndata: [DONE]\n\n: keep-alive\r\n\r\n',
    );
  });

  it('end: "reset" drops the connection after the events', async () => {
    script = { events: [{ data: { n: 1 } }], end: "reset" };
    const response = await fetch(server.url);
    const reader = response.body?.getReader();
    let received = "";
    const outcome = await (async () => {
      for (;;) {
        const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
        if (done) return "ended cleanly";
        received += new TextDecoder().decode(value);
      }
    })().catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(Error);
    // What arrived before the cut (on a slow machine the reset may overtake it) is the event's start.
    expect('data: {"n":1}\n\n'.startsWith(received)).toBe(true);
  });
});
