/**
 * Where `orderform plan` leaves its markdown for a pull request (docs/planning.md, "Pull
 * requests"): one file per comment-sized part in a folder (`--markdown-out DIR`) for a workflow to
 * post, and the GitHub Actions step summary (`GITHUB_STEP_SUMMARY`), which is appended to, never
 * overwritten, and kept under its size limit.
 */
import { appendFile, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OrderformError } from "../core/errors.js";

/**
 * GitHub refuses a step summary above 1024 KiB ("supports content up to a size of 1024k"); the
 * limit counts what every write of the step put in the file, so what is there already counts.
 */
const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;

const PART_FILE = /^plan-part-\d+\.md$/;

/**
 * Writes `plan-part-1.md` ... `plan-part-M.md` into `dir` (created when missing), after removing
 * the part files an earlier plan left there, so the folder holds exactly this plan's parts.
 */
export async function writeMarkdownParts(dir: string, parts: readonly string[]): Promise<string[]> {
  try {
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      if (PART_FILE.test(name)) await rm(join(dir, name), { force: true });
    }
    const files = parts.map((_, i) => join(dir, `plan-part-${i + 1}.md`));
    for (const [i, part] of parts.entries()) await writeFile(files[i] ?? "", part, "utf8");
    return files;
  } catch (error) {
    throw new OrderformError(
      "plan.markdown-unwritable",
      `cannot write the markdown parts to ${dir}: ${(error as Error).message}`,
      { hint: "Check that the folder can be created and written." },
    );
  }
}

/**
 * Appends the parts to the step summary file, as many as fit under the limit beside what the file
 * holds; when some do not fit, a last line says how many were left out and where the whole plan is.
 * Returns how many parts were appended.
 */
export async function appendStepSummary(file: string, parts: readonly string[]): Promise<number> {
  const existing = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  const { text, appended } = selectSummaryText(parts, STEP_SUMMARY_LIMIT_BYTES - existing);
  try {
    await appendFile(file, text, "utf8");
  } catch (error) {
    throw new OrderformError(
      "plan.markdown-unwritable",
      `cannot append the plan to the step summary ${file}: ${(error as Error).message}`,
      { hint: "GITHUB_STEP_SUMMARY names a file GitHub Actions creates for each step." },
    );
  }
  return appended;
}

/** The text to append within `room` bytes: whole parts, then a note when some were left out. */
function selectSummaryText(parts: readonly string[], room: number): { text: string; appended: number } {
  const note = (left: number): string =>
    `\n> [!NOTE]\n> ${left} of ${parts.length} plan part${parts.length === 1 ? "" : "s"} left out: a step summary holds at most 1 MiB. The saved plan and the pull-request comments hold the whole plan.\n`;
  const reserve = Buffer.byteLength(note(parts.length), "utf8");
  let text = "";
  let appended = 0;
  for (const part of parts) {
    const piece = `${part}\n\n`;
    const left = parts.length - appended - 1;
    const needed = Buffer.byteLength(text + piece, "utf8") + (left > 0 ? reserve : 0);
    if (needed > room) break;
    text += piece;
    appended += 1;
  }
  if (appended < parts.length && Buffer.byteLength(text, "utf8") + reserve <= room) {
    text += note(parts.length - appended);
  }
  return { text, appended };
}
