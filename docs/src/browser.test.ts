// biome-ignore-all lint/performance/useDomNodeTextContent: these are Playwright locators; innerText is the rendered text a reader sees, which is what the test checks.
// The built site in a real browser: Debian's Chromium, driven by playwright-core (no browser
// download), opens the home page, a guide and an API page from a server on 127.0.0.1, checks that
// each renders with no console errors, and that the local search finds ParallelBatchNode.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StaticServer, serveStatic } from "./static-server.js";

const docsDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const site = join(docsDir, "dist");
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(chromiumPath);

if (!haveChromium && process.env.CI) {
  throw new Error(
    `No Chromium at ${chromiumPath}: CI must install Debian's chromium package (.ci/run does) for the docs browser test.`,
  );
}
if (!haveChromium) {
  console.warn(
    `\n*** SKIPPING the docs browser test: no Chromium at ${chromiumPath}. Install it with ` +
      "`apt-get install chromium`, or set CHROMIUM_PATH. Under CI this is a failure. ***\n",
  );
}

describe.skipIf(!haveChromium)("the documentation site in Chromium", () => {
  let server: StaticServer;
  let browser: Browser;
  /** Everything that should not happen, per page: console errors, page errors, failed or outside requests. */
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(site, "index.html"))) {
      // Under `pnpm test` turbo has built it already; alone, build it here.
      await promisify(execFile)("pnpm", ["run", "build"], { cwd: docsDir, timeout: 300_000 });
    }
    server = await serveStatic(site);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
      ],
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(path: string): Promise<Page> {
    problems.length = 0;
    const page = await browser.newPage();
    // Generous: the machine running this may be loaded; nothing here measures speed.
    page.setDefaultTimeout(60_000);
    page.setDefaultNavigationTimeout(60_000);
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error on ${path}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`uncaught error on ${path}: ${error.message}`));
    page.on("requestfailed", (request) => problems.push(`request failed on ${path}: ${request.url()}`));
    // The site must work offline: anything not served from 127.0.0.1 is refused and reported.
    await page.route("**/*", async (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") return route.continue();
      problems.push(`request outside the site on ${path}: ${url.href}`);
      return route.abort();
    });
    const response = await page.goto(`${server.url}${path}`, { waitUntil: "networkidle" });
    expect(response?.status(), path).toBe(200);
    return page;
  }

  it("renders the home page", async () => {
    const page = await open("/");
    await expect
      .poll(() => page.locator(".VPHero .name").innerText(), { timeout: 60_000 })
      .toContain("Sluice");
    expect(await page.title()).toContain("Sluice");
    expect(await page.locator(".VPFeature").count()).toBeGreaterThanOrEqual(3);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("renders a guide with its highlighted code and sidebar", async () => {
    const page = await open("/guide/parallel.html");
    expect(await page.locator(".vp-doc h1").innerText()).toContain("Parallel");
    expect(await page.locator('.vp-doc div[class*="language-ts"] pre code').count()).toBeGreaterThan(0);
    expect(await page.locator(".VPSidebar").innerText()).toContain("Migrating from pocketflow");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("renders an API page generated from the sources", async () => {
    const page = await open("/api/@sluice/core.html");
    expect(await page.locator(".vp-doc h1").innerText()).toContain("@sluice/core");
    expect(await page.locator(".vp-doc").innerText()).toContain("ParallelBatchNode");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("finds ParallelBatchNode with the local search", async () => {
    const page = await open("/guide/getting-started.html");
    await page.locator(".VPNavBarSearch button").first().click();
    const input = page.locator(".VPLocalSearchBox input");
    await input.fill("ParallelBatchNode");
    // Real hits only: "No results for …" is a list item too.
    const results = page.locator(".VPLocalSearchBox .results a.result");
    await expect.poll(() => results.count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await results.allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringContaining("ParallelBatchNode")]),
    );
    await page.close();
    expect(problems).toEqual([]);
  });
});
