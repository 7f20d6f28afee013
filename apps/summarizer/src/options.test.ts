import path from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "./errors.js";
import { parseBudget, parseCount, resolveOptions } from "./options.js";

const context = { cwd: "/work", env: {} };

describe("parseBudget", () => {
  it("reads dollars and tokens in the usual spellings", () => {
    expect(parseBudget("$2")).toEqual({ unit: "usd", amount: 2 });
    expect(parseBudget("2usd")).toEqual({ unit: "usd", amount: 2 });
    expect(parseBudget("2.50 USD")).toEqual({ unit: "usd", amount: 2.5 });
    expect(parseBudget("$ 0.75")).toEqual({ unit: "usd", amount: 0.75 });
    expect(parseBudget("500k tokens")).toEqual({ unit: "tokens", amount: 500_000 });
    expect(parseBudget("1.5M tok")).toEqual({ unit: "tokens", amount: 1_500_000 });
    expect(parseBudget("20,000 tokens")).toEqual({ unit: "tokens", amount: 20_000 });
  });

  it("refuses a bare number and nonsense, saying how to write it", () => {
    for (const value of ["2", "two dollars", "$0", "-5 tokens", ""]) {
      expect(() => parseBudget(value)).toThrow(UsageError);
    }
    expect(() => parseBudget("2")).toThrow(/dollars like "\$2"/);
  });
});

describe("parseCount", () => {
  it("takes k/M suffixes and separators, and refuses what is out of range", () => {
    expect(parseCount("30k", "--itpm", { min: 1, max: 1e9 })).toBe(30_000);
    expect(parseCount("1.5M", "--itpm", { min: 1, max: 1e9 })).toBe(1_500_000);
    expect(parseCount("90_000", "--otpm", { min: 1, max: 1e9 })).toBe(90_000);
    expect(() => parseCount("0", "--concurrency", { min: 1, max: 10 })).toThrow(
      /--concurrency must be a whole number from 1 to 10/,
    );
    expect(() => parseCount("2.5", "--concurrency", { min: 1, max: 10 })).toThrow(UsageError);
    expect(() => parseCount("lots", "--rpm", { min: 1, max: 10 })).toThrow(UsageError);
  });
});

describe("resolveOptions", () => {
  it("defaults to the offline model without a key and to anthropic with one", () => {
    expect(resolveOptions(["a.txt"], {}, context).provider).toBe("local");
    const withKey = resolveOptions(["a.txt"], {}, { cwd: "/work", env: { ANTHROPIC_API_KEY: "k" } });
    expect(withKey.provider).toBe("anthropic");
    expect(withKey.apiKey).toBe("k");
    expect(withKey.concurrency).toBe(8);
  });

  it("--demo stays offline even with a key, and reads the bundled texts into out/", () => {
    const options = resolveOptions(
      [],
      { demo: true },
      { cwd: "/work", env: { ANTHROPIC_API_KEY: "k" }, demoTexts: ["/app/texts/a.txt"] },
    );
    expect(options.provider).toBe("local");
    expect(options.inputs).toEqual(["/app/texts/a.txt"]);
    expect(options.outDir).toBe(path.resolve("/work/out/demo-summaries"));
  });

  it("needs inputs, unless --demo, and not both", () => {
    expect(() => resolveOptions([], {}, context)).toThrow(/give files, folders or glob patterns/);
    expect(() => resolveOptions(["a"], { demo: true }, { ...context, demoTexts: ["/t/a.txt"] })).toThrow(
      /takes no inputs/,
    );
  });

  it("takes the OpenAI-compatible server and key from flags or the environment", () => {
    const local = resolveOptions(
      ["a"],
      { provider: "openai", baseUrl: "http://127.0.0.1:11434/v1", model: "llama3.2" },
      context,
    );
    expect(local).toMatchObject({
      provider: "openai",
      baseUrl: "http://127.0.0.1:11434/v1",
      model: "llama3.2",
    });
    expect(local.apiKey).toBeUndefined();
    const fromEnv = resolveOptions(
      ["a"],
      { provider: "openai" },
      { ...context, env: { OPENAI_API_KEY: "sk-o", OPENAI_BASE_URL: "https://api.openai.com/v1" } },
    );
    expect(fromEnv).toMatchObject({ apiKey: "sk-o", baseUrl: "https://api.openai.com/v1", model: undefined });
  });

  it("refuses flag combinations that cannot work", () => {
    expect(() => resolveOptions(["a"], { provider: "anthropic" }, context)).toThrow(
      /needs ANTHROPIC_API_KEY/,
    );
    expect(() =>
      resolveOptions(["a"], { provider: "openai", baseUrl: "http://127.0.0.1:11434/v1" }, context),
    ).toThrow(/needs --model: name a model that server has loaded/);
    expect(() => resolveOptions(["a"], { provider: "openai", batch: true }, context)).toThrow(/--batch/);
    expect(() => resolveOptions(["a"], { provider: "bogus" }, context)).toThrow(
      /one of local, anthropic, emulator/,
    );
    expect(() => resolveOptions(["a"], { baseUrl: "http://127.0.0.1:1" }, context)).toThrow(/--base-url/);
    expect(() => resolveOptions(["a"], { batch: true }, context)).toThrow(/--batch/);
    expect(() => resolveOptions(["a"], { timeScale: "5" }, context)).toThrow(/--time-scale only/);
    expect(() => resolveOptions(["a"], { model: "x" }, context)).toThrow(/one model/);
    expect(() => resolveOptions(["a"], { provider: "emulator", baseUrl: "ftp://x" }, context)).toThrow(
      /http\(s\) URL/,
    );
  });

  it("refuses a max-tokens the output limit could never admit", () => {
    expect(() =>
      resolveOptions(["a"], { provider: "emulator", maxTokens: "2000", otpm: "1k" }, context),
    ).toThrow(/can ever be admitted|could ever be admitted/);
  });

  it("shrinks chunks to fit the input-token limit, and refuses chunks too small to combine", () => {
    const options = resolveOptions(["a"], { provider: "emulator", itpm: "5000" }, context);
    expect(options.chunkTokens).toBe(3_900);
    expect(() =>
      resolveOptions(["a"], { provider: "emulator", itpm: "5000", chunkTokens: "4500" }, context),
    ).toThrow(/use at most 3900/);
    expect(() => resolveOptions(["a"], { chunkTokens: "600", maxTokens: "512" }, context)).toThrow(
      /no room to combine/,
    );
  });

  it("resolves the output folder against the working directory", () => {
    expect(resolveOptions(["a"], { out: "s" }, context).outDir).toBe(path.resolve("/work/s"));
    expect(resolveOptions(["a"], {}, context).outDir).toBe(path.resolve("/work/summaries"));
  });
});
