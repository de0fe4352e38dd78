import { describe, expect, it } from "vitest";
import { parseDuration } from "../../../src/config/duration.js";

describe("parseDuration", () => {
  it.each([
    ["0", 0],
    ["00", 0],
    ["500ms", 500],
    ["30s", 30_000],
    ["1.5s", 1_500],
    ["2m", 120_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    [" 10s ", 10_000],
    ["10", null],
    ["", null],
    ["-5s", null],
    ["5 s", null],
    ["5d", null],
    ["s", null],
    ["1m-", null],
  ])("%j -> %j", (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });
});
