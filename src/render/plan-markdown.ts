/**
 * The plan as markdown for pull-request comments (`plan --format markdown`): the summary table
 * first, then one <details> block per customer with the actions in a `diff` fence (GitHub colours
 * `+` green, `-` red, `!` orange). GitHub refuses comments of 65,536 characters or more, so the
 * output is split into parts, each under that limit and numbered "(part i of n)" when there are several.
 * With `marker`, each part starts with a hidden line `<!-- orderform:plan id=ID part=N/M -->` by
 * which a workflow finds the comments it posted for this plan and updates them in place
 * (docs/planning.md, "Pull requests").
 */
import { renderMarkdownName } from "./customer-label.js";
import { assertNever, selectPlanRefresh } from "../core/plan.js";
import type { Plan, PlanAction } from "../core/plan.js";
import {
  ACTION_SYMBOLS,
  OPEN_WINDOWS_HEADING,
  describeAction,
  describeOpenWindow,
  describeRefreshNote,
  describeSummaryCounts,
} from "./plan-text.js";

/** GitHub's limit on a comment body, in characters (UTF-16 code units, as JavaScript counts). */
export const MARKDOWN_PART_LIMIT = 65_536;
/** Room left for the part header, which is only known once the number of parts is. */
const HEADER_RESERVE = 200;

/** The longest marker id kept; longer ones are cut, so the marker fits in the header reserve. */
const MARKER_ID_LIMIT = 100;

export function renderPlanMarkdown(plan: Plan, options: { limit?: number; marker?: string } = {}): string[] {
  // `limit` exists for tests of the splitting; production callers use GitHub's limit.
  const budget = (options.limit ?? MARKDOWN_PART_LIMIT) - HEADER_RESERVE;
  if (budget < 1000) throw new Error(`markdown part limit too small: ${options.limit}`);
  const fence = createFence(plan);
  const blocks = [...renderSummary(plan, budget), ...renderCustomerBlocks(plan, fence, budget)];
  const bodies = packBlocks(blocks, budget);
  return bodies.map((body, i) => {
    const title =
      bodies.length === 1 ? "### orderform plan" : `### orderform plan (part ${i + 1} of ${bodies.length})`;
    const marker =
      options.marker === undefined ? "" : `${renderMarker(options.marker, i + 1, bodies.length)}\n`;
    return `${marker}${title}\n\n${body}`;
  });
}

/**
 * The hidden first line of a part. The id cannot end the HTML comment early: whitespace becomes
 * `_` and `-` runs and `>` are dropped, so `-->` never appears inside it.
 */
function renderMarker(id: string, part: number, parts: number): string {
  const safe = id.replace(/\s+/g, "_").replace(/-{2,}/g, "-").replace(/>/g, "").slice(0, MARKER_ID_LIMIT);
  return `<!-- orderform:plan id=${safe === "" ? "_" : safe} part=${part}/${parts} -->`;
}

/** The headline, call-outs and per-customer table; several blocks when the table is very long. */
function renderSummary(plan: Plan, budget: number): string[] {
  const s = plan.summary;
  const head: string[] = [];
  const changes = s.create + s.resume + s.update;
  const note = describeRefreshNote(plan);
  if (selectPlanRefresh(plan) === "only") {
    head.push(
      s.drift === 0
        ? "**No drift.**"
        : `**Drift: ${s.drift} changed outside orderform, ${s.noop} unchanged.**`,
    );
  } else if (changes === 0 && s.drift === 0 && s.conflict === 0) {
    head.push("**No changes.** Your orders match the declarations.");
  } else {
    head.push(`**Plan: ${describeSummaryCounts(s)}.**`);
  }
  if (note !== undefined) head.push("", "> [!NOTE]", `> ${note}`);
  if (s.conflict > 0) {
    head.push(
      "",
      `> [!CAUTION]`,
      `> ${s.conflict} declaration${s.conflict === 1 ? " was" : "s were"} edited after the order was placed. Orders are immutable purchases: restore the file, or re-plan with \`--replace NAME\` to place a new order. This plan cannot be applied.`,
    );
  }
  if (s.drift > 0) {
    head.push(
      "",
      `> [!WARNING]`,
      `> ${s.drift} order${s.drift === 1 ? " has" : "s have"} changed outside orderform. Nothing is bought for ${s.drift === 1 ? "it" : "them"} unless \`--replace NAME\` asks for it.`,
    );
  }
  if (s.undeclared > 0) {
    head.push(
      "",
      `> [!NOTE]`,
      `> ${s.undeclared} order${s.undeclared === 1 ? " is" : "s are"} in state but no longer declared. Nothing is cancelled; \`orderform state rm NAME\` stops tracking ${s.undeclared === 1 ? "it" : "them"}.`,
    );
  }
  // The Update column appears only in plans with seat changes, so that every other plan's markdown
  // stays as it was.
  const withUpdates = s.update > 0;
  const tableHeader = withUpdates
    ? "| Customer | Create | Update | Resume | Unchanged | Drift | Conflict | Undeclared |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
    : "| Customer | Create | Resume | Unchanged | Drift | Conflict | Undeclared |\n|---|---:|---:|---:|---:|---:|---:|\n";
  const renderRow = (label: string, c: Record<PlanAction["kind"], number>): string =>
    `| ${label} | ${c.create} |${withUpdates ? ` ${c.update} |` : ""} ${c.resume} | ${c["no-op"]} | ${c.drift} | ${c.conflict} | ${c.undeclared} |\n`;
  const rows: string[] = [];
  for (const [customer, actions] of groupByCustomer(plan.actions)) {
    rows.push(renderRow(`\`${customer}\`${renderNameAfter(actions)}`, countKinds(actions)));
  }
  rows.push(
    renderRow("**Total**", {
      create: s.create,
      update: s.update,
      resume: s.resume,
      "no-op": s.noop,
      drift: s.drift,
      conflict: s.conflict,
      undeclared: s.undeclared,
    }),
  );

  const blocks: string[] = [];
  let block = `${head.join("\n")}\n\n${tableHeader}`;
  for (const row of rows) {
    if (block.length + row.length > budget) {
      blocks.push(block);
      block = tableHeader;
    }
    block += row;
  }
  for (const d of plan.diagnostics) {
    const hint = d.hint === undefined ? "" : ` (${escapeHtml(d.hint)})`;
    const item = `\n- **${d.severity === "error" ? "Error" : "Warning"}** \`${d.code}\`: ${escapeHtml(d.message)}${hint}\n`;
    if (block.length + item.length > budget) {
      blocks.push(block);
      block = "";
    }
    block += item;
  }
  const windows = plan.cancellationWindows ?? [];
  windows.forEach((w, i) => {
    const item = `${i === 0 ? `\n${OPEN_WINDOWS_HEADING}\n\n` : ""}- ${escapeHtml(describeOpenWindow(w))}\n`;
    if (block.length + item.length > budget) {
      blocks.push(block);
      block = "";
    }
    block += item;
  });
  blocks.push(block);
  return blocks;
}

/** One or more <details> blocks per customer, each within the budget. */
function renderCustomerBlocks(plan: Plan, fence: string, budget: number): string[] {
  const blocks: string[] = [];
  for (const [customer, actions] of groupByCustomer(plan.actions)) {
    const open = (continued: boolean): string =>
      `<details><summary>Customer <code>${escapeHtml(customer)}</code>${renderNameAfter(actions)}: ${describeCounts(actions)}${continued ? " (continued)" : ""}</summary>\n\n${fence}diff\n`;
    const close = `${fence}\n\n</details>\n`;
    const room = budget - open(true).length - close.length;
    let body = "";
    let continued = false;
    const flush = (): void => {
      if (body === "") return;
      blocks.push(open(continued) + body + close);
      body = "";
      continued = true;
    };
    for (const chunk of actions.flatMap((a) => splitChunk(renderActionChunk(a, plan), room))) {
      if (body.length + chunk.length > room) flush();
      body += chunk;
    }
    flush();
  }
  return blocks;
}

function renderActionChunk(action: PlanAction, plan: Plan): string {
  const d = describeAction(action, plan);
  if (action.kind === "no-op") return `  ${d.heading}\n`;
  // Every line of a create is green and of a conflict red; other kinds mark their title only.
  const mark = action.kind === "create" ? "+ " : action.kind === "conflict" ? "- " : "  ";
  return [
    `# ${d.heading}`,
    `${ACTION_SYMBOLS[action.kind]} ${d.title}`,
    ...d.details.map((line) => `${mark}    ${line}`),
    ...d.remedies.map((line) => `  ${line}`),
    "",
  ].join("\n");
}

/** A chunk too long for one block is cut at line ends; a single line too long is truncated. */
function splitChunk(chunk: string, room: number): string[] {
  if (chunk.length <= room) return [chunk];
  const pieces: string[] = [];
  let piece = "";
  for (const raw of chunk.split(/(?<=\n)/)) {
    const line = raw.length <= room ? raw : `${raw.slice(0, room - 20)} …(truncated)\n`;
    if (piece.length + line.length > room) {
      pieces.push(piece);
      piece = "";
    }
    piece += line;
  }
  if (piece !== "") pieces.push(piece);
  return pieces;
}

function packBlocks(blocks: string[], budget: number): string[] {
  const parts: string[] = [];
  let part = "";
  for (const block of blocks) {
    const joined = part === "" ? block : `${part}\n${block}`;
    if (joined.length > budget && part !== "") {
      parts.push(part);
      part = block;
    } else {
      part = joined;
    }
  }
  parts.push(part);
  return parts;
}

/** " (Company name)" as inert markdown when the group's actions know the customer's name, else "". */
function renderNameAfter(actions: readonly PlanAction[]): string {
  const name = renderMarkdownName(actions.find((a) => a.companyName !== undefined)?.companyName);
  return name === "" ? "" : ` (${name})`;
}

function groupByCustomer(actions: readonly PlanAction[]): Map<string, PlanAction[]> {
  const groups = new Map<string, PlanAction[]>();
  for (const action of actions) {
    const group = groups.get(action.customer);
    if (group === undefined) groups.set(action.customer, [action]);
    else group.push(action);
  }
  return groups;
}

function countKinds(actions: readonly PlanAction[]): Record<PlanAction["kind"], number> {
  const counts: Record<PlanAction["kind"], number> = {
    create: 0,
    update: 0,
    resume: 0,
    "no-op": 0,
    drift: 0,
    conflict: 0,
    undeclared: 0,
  };
  for (const a of actions) counts[a.kind] += 1;
  return counts;
}

function describeCounts(actions: readonly PlanAction[]): string {
  const counts = countKinds(actions);
  const words: string[] = [];
  for (const kind of Object.keys(counts) as PlanAction["kind"][]) {
    if (counts[kind] > 0) words.push(`${counts[kind]} ${describeKind(kind)}`);
  }
  return words.join(", ");
}

function describeKind(kind: PlanAction["kind"]): string {
  switch (kind) {
    case "create":
      return "to create";
    case "resume":
      return "to resume";
    case "update":
      return "to update";
    case "no-op":
      return "unchanged";
    case "drift":
      return "changed outside orderform";
    case "conflict":
      return "in conflict";
    case "undeclared":
      return "undeclared";
    default:
      return assertNever(kind);
  }
}

/** A fence longer than any run of backticks in the content, so no friendly name can close it. */
function createFence(plan: Plan): string {
  const longest = Math.max(0, ...(JSON.stringify(plan.actions).match(/`+/g) ?? []).map((run) => run.length));
  return "`".repeat(Math.max(3, longest + 1));
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
