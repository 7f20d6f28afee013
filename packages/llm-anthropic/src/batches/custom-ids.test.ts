import { describe, expect, it } from "vitest";
import { assignCustomIds, CUSTOM_ID_PATTERN, isValidCustomId } from "./custom-ids.js";

describe("assignCustomIds", () => {
  it("keeps valid keys, makes others valid and numbers requests without keys", () => {
    const ids = assignCustomIds(["doc-1", "report 2024/Q1", undefined, "x".repeat(80)]);
    expect(ids[0]).toBe("doc-1");
    expect(ids[1]).toMatch(/^report_2024_Q1-[0-9a-f]{8}$/);
    expect(ids[2]).toBe("item-2");
    expect(ids[3]?.length).toBeLessThanOrEqual(64);
    for (const id of ids) expect(id).toMatch(CUSTOM_ID_PATTERN);
  });

  it("is deterministic, so a resumed run gets the same ids", () => {
    const keys = ["a b", "c/d", undefined, "e"];
    expect(assignCustomIds(keys)).toEqual(assignCustomIds(keys));
  });

  it("never gives a generated id that a caller key already holds", () => {
    const ids = assignCustomIds([undefined, "item-0", undefined]);
    expect(ids[1]).toBe("item-0");
    expect(ids[0]).toBe("item-0-2");
    expect(new Set(ids).size).toBe(3);
  });

  it("keeps keys apart that sanitise to the same text", () => {
    const ids = assignCustomIds(["a/b", "a?b", "a_b"]);
    expect(new Set(ids).size).toBe(3);
    expect(ids[2]).toBe("a_b");
  });

  it("rejects repeated and empty keys", () => {
    expect(() => assignCustomIds(["k", "k"])).toThrow(/requests\[1\]\.key "k" repeats requests\[0\]\.key/);
    expect(() => assignCustomIds([""])).toThrow(/non-empty/);
  });

  it("validates ids as the API does", () => {
    expect(isValidCustomId("a".repeat(64))).toBe(true);
    expect(isValidCustomId("a".repeat(65))).toBe(false);
    expect(isValidCustomId("")).toBe(false);
    expect(isValidCustomId("with space")).toBe(false);
    expect(isValidCustomId(42)).toBe(false);
  });
});
