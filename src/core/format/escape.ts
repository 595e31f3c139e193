/**
 * Text from a log or a config file (class names, file names, verdict messages that quote them,
 * values as written) on its way to a person: one function per sink, each making that text inert
 * there. Markdown (export, hovers): no HTML, no links or images, no new lines, headings or table
 * cells. HTML and SVG (the HTML export): entities for every character that could open markup or
 * close an attribute. Terminal: no escape sequences or other control characters. Notifications: no command
 * links, and a length cap.
 */

/** Characters that start markdown syntax anywhere in a line (`:` too: GFM turns `http://` into a link). */
const MARKDOWN_PUNCTUATION = /[\\`*_[\]{}()#+!|~:]/g;
const HTML_ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
// eslint-disable-next-line no-control-regex
const LINE_BREAKS_AND_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** Literal text inside markdown: renders as the characters it holds, on one line. */
export function markdownText(s: string): string {
  return s
    .replace(LINE_BREAKS_AND_CONTROLS, ' ')
    .replace(/[&<>]/g, (c) => HTML_ENTITY[c]!)
    .replace(MARKDOWN_PUNCTUATION, '\\$&');
}

/** Text or an attribute value inside HTML or SVG. */
export function htmlText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ATTRIBUTE_ENTITY[c]!);
}
const HTML_ATTRIBUTE_ENTITY: Record<string, string> = { ...HTML_ENTITY, '"': '&quot;', "'": '&#39;' };

/** A markdown code span of literal text (backticks inside cannot close it early). */
export function markdownCode(s: string): string {
  const flat = s.replace(LINE_BREAKS_AND_CONTROLS, ' ').replace(/`/g, "'");
  return `\`${flat.startsWith(' ') || flat.endsWith(' ') ? ` ${flat} ` : flat}\``;
}

// ESC sequences (CSI ... final byte, OSC ... BEL or ST, and two-byte ones), then any control left.
// eslint-disable-next-line no-control-regex
const ANSI_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])|\u009b[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS_BUT_NEWLINE_TAB = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text for a terminal: escape sequences removed, other control characters shown as `?`. */
export function terminalText(s: string): string {
  return s.replace(ANSI_SEQUENCE, '').replace(CONTROLS_BUT_NEWLINE_TAB, '?');
}

/** Every string in a plain-data value (a report) passed through `f`. */
export function mapStrings<T>(value: T, f: (s: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, f);
    return out as T;
  }
  return value;
}

/** The most a notification shows of a message (the full message stays in the report panel). */
export const NOTIFICATION_MAX_CHARS = 400;

/**
 * A message for a VS Code notification. VS Code renders `[label](command:…)`, `(https:…)` and
 * `(file:…)` in notification text as links; here none survives (`](` is split), line breaks and
 * control characters become spaces, and the text is capped.
 */
export function notificationText(message: string, max = NOTIFICATION_MAX_CHARS): string {
  const flat = message.replace(LINE_BREAKS_AND_CONTROLS, ' ').replace(/\]\s*\(/g, '] (');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
