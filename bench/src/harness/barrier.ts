import { createServer } from "node:http";

/**
 * A start line for processes that must begin together: each GETs `url` when ready, and every answer
 * goes out once `parties` have arrived. (A fixed start time is not enough: on a loaded machine some
 * children take seconds longer than others to load and warm up.)
 */
export async function startBarrier(parties: number): Promise<{ url: string; close(): Promise<void> }> {
  const waiting: (() => void)[] = [];
  const server = createServer((_request, response) => {
    waiting.push(() => response.end("go"));
    if (waiting.length >= parties) for (const release of waiting.splice(0)) release();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
