import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP server that answers with exactly the responses a test scripts, for the wire
 * shapes the emulator does not produce (a 502 with HTML, Ollama's and vLLM's error bodies, a stream
 * cut before its usage chunk, a server that echoes the key…). The adapter talks to it over real HTTP.
 */

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

export type ScriptedResponse =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly json: unknown }
  | { readonly status: number; readonly headers?: Record<string, string>; readonly text: string }
  /**
   * A 200 event stream, written as given: each entry is one `data:` payload (objects as JSON), or a
   * raw string written verbatim when it starts with "raw:". `end`: "done" sends `data: [DONE]`,
   * "close" ends the response without it, "reset" drops the connection.
   */
  | {
      readonly headers?: Record<string, string>;
      readonly sse: readonly unknown[];
      readonly end: "done" | "close" | "reset";
    };

export interface ScriptedServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(
  respond: (request: RecordedRequest) => ScriptedResponse,
): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = raw;
      try {
        body = raw === "" ? undefined : JSON.parse(raw);
      } catch {
        // Keep the text.
      }
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      send(res, respond(recorded));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, response: ScriptedResponse): void {
  if ("sse" in response) {
    res.writeHead(200, { "content-type": "text/event-stream", ...response.headers });
    for (const entry of response.sse) {
      if (typeof entry === "string" && entry.startsWith("raw:")) res.write(entry.slice(4));
      else res.write(`data: ${typeof entry === "string" ? entry : JSON.stringify(entry)}\n\n`);
    }
    if (response.end === "done") res.end("data: [DONE]\n\n");
    else if (response.end === "close") res.end();
    // Let the written events reach the client first, then drop the connection.
    else setTimeout(() => res.socket?.resetAndDestroy(), 20);
    return;
  }
  if ("json" in response) {
    res.writeHead(response.status, { "content-type": "application/json", ...response.headers });
    res.end(JSON.stringify(response.json));
    return;
  }
  res.writeHead(response.status, { "content-type": "text/plain", ...response.headers });
  res.end(response.text);
}

/** An OpenAI error body. */
export function errorBody(type: string, message: string, code: string | null = null): unknown {
  return { error: { message, type, param: null, code } };
}

/** A complete `chat.completion` answering `text`. */
export function completionJson(
  text: string,
  extra: { finish_reason?: string; usage?: unknown; model?: string; stop_reason?: unknown } = {},
): unknown {
  return {
    id: "chatcmpl-scripted",
    object: "chat.completion",
    created: 1,
    model: extra.model ?? "scripted-model",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text },
        finish_reason: extra.finish_reason ?? "stop",
        ...(extra.stop_reason === undefined ? {} : { stop_reason: extra.stop_reason }),
      },
    ],
    ...("usage" in extra
      ? { usage: extra.usage }
      : { usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } }),
  };
}

/** The chunks of a stream answering `pieces`: role chunk, content chunks, finish chunk, usage chunk. */
export function streamChunks(
  pieces: readonly string[],
  options: { finish?: string | null; usage?: boolean; model?: string } = {},
): unknown[] {
  const model = options.model ?? "scripted-model";
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: "chatcmpl-scripted",
    object: "chat.completion.chunk",
    created: 1,
    model,
    choices,
    ...extra,
  });
  const chunks: unknown[] = [
    chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]),
  ];
  for (const piece of pieces)
    chunks.push(chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]));
  if (options.finish !== null) {
    chunks.push(chunk([{ index: 0, delta: {}, finish_reason: options.finish ?? "stop" }]));
  }
  if (options.usage !== false) {
    chunks.push(chunk([], { usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } }));
  }
  return chunks;
}
