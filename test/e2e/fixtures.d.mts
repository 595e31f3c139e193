// Types of fixtures.mjs for the TypeScript tests that share its dumps.
export function writeSpeedDump(workspace: string): string;
export const HOSTILE_CLASSES: string[];
export function writeHostileDump(workspace: string): string;
