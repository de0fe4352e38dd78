import { describe, expect, it } from "vitest";
import { parseJournalText, renderJournalHeader } from "../../../src/state/journal.js";
import { OrderformError } from "../../../src/core/errors.js";
import { LINEAGE, createIntent, createOrder } from "./fixtures.js";

const header = renderJournalHeader(LINEAGE, 4);
const intent = JSON.stringify({ type: "intent", intent: createIntent("a") });
const created = JSON.stringify({ type: "created", order: createOrder("a") });

describe("parseJournalText", () => {
  const cases: { name: string; text: string; entries: number; torn: boolean; header: boolean }[] = [
    { name: "empty file", text: "", entries: 0, torn: false, header: false },
    { name: "header only", text: header, entries: 0, torn: false, header: true },
    {
      name: "complete records",
      text: `${header}${intent}\n${created}\n`,
      entries: 2,
      torn: false,
      header: true,
    },
    {
      name: "torn last line is dropped",
      text: `${header}${intent}\n${created.slice(0, 40)}`,
      entries: 1,
      torn: true,
      header: true,
    },
    {
      name: "complete last record without its newline is kept",
      text: `${header}${intent}\n${created}`,
      entries: 2,
      torn: false,
      header: true,
    },
    { name: "torn header", text: header.slice(0, 20), entries: 0, torn: true, header: false },
    {
      name: "last line valid JSON but not a record is dropped",
      text: `${header}${intent}\n{"type":"created"}\n`,
      entries: 1,
      torn: true,
      header: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const parsed = parseJournalText(c.text, "P.journal");
      expect(parsed.entries).toHaveLength(c.entries);
      expect(parsed.droppedTornLine).toBe(c.torn);
      expect(parsed.header === null ? null : parsed.header.baseSerial).toBe(c.header ? 4 : null);
    });
  }

  it("keeps the records in order", () => {
    const parsed = parseJournalText(`${header}${intent}\n${created}\n`, "P.journal");
    expect(parsed.entries.map((e) => e.type)).toEqual(["intent", "created"]);
    expect(parsed.header).toEqual({ orderformJournal: 1, lineage: LINEAGE, baseSerial: 4 });
  });

  const corrupt: { name: string; text: string; line: number }[] = [
    { name: "garbage before the last line", text: `${header}${intent}\nxx{\n${created}\n`, line: 3 },
    { name: "invalid record before the last line", text: `${header}{"type":"bogus"}\n${created}\n`, line: 2 },
    { name: "no header", text: `${intent}\n${created}\n`, line: 1 },
  ];
  for (const c of corrupt) {
    it(`refuses ${c.name} with state.journal-corrupt naming the line`, () => {
      let error: unknown;
      try {
        parseJournalText(c.text, "/x/P.journal");
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(OrderformError);
      expect((error as OrderformError).code).toBe("state.journal-corrupt");
      expect((error as OrderformError).message).toContain(`/x/P.journal line ${c.line}`);
    });
  }
});
