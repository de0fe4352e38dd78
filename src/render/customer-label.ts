/**
 * A customer as output shows it: the tenant id, and beside it the company name when state or the
 * plan knows it (docs/state.md, "Customer names"). Company names come from Partner Center and are
 * untrusted text: on a terminal their control characters (ANSI escapes, newlines) never reach
 * the screen; in markdown every character that could format, link, mention, open HTML or a
 * comment (`<!--`), or end a table cell or code span is written as a character reference.
 */
import { normalizePrintable } from "../core/customer-names.js";

/** `ID (Company name)`, or `ID` alone; for terminals and CI logs. */
export function renderCustomerLabel(customer: string, companyName: string | undefined): string {
  const name = companyName === undefined ? "" : normalizePrintable(companyName);
  return name === "" ? customer : `${customer} (${name})`;
}

// Characters markdown, GitHub or HTML give a meaning to, written as numeric references instead.
const MARKDOWN_SPECIAL = /[&<>"'|`*_[\]()~#!@\\:]/g;

/** The company name as inert markdown text (also inside HTML such as <summary>); "" when none. */
export function renderMarkdownName(companyName: string | undefined): string {
  if (companyName === undefined) return "";
  return normalizePrintable(companyName).replace(MARKDOWN_SPECIAL, (ch) => `&#${ch.charCodeAt(0)};`);
}
