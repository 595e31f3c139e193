// The questions the extension asks when a log does not record a loss setting: one input box or quick
// pick at a time, resolving undefined when the user escapes. What is on screen is also kept for the
// integration tests (FocalLensApi.testing), which answer through VS Code's own quick-input commands.
import * as vscode from 'vscode';
import type { AlphaConvention } from '../core/report';
import type { UsageNeeds } from '../core/errors';
import {
  alphaAnswerProblem,
  choiceFor,
  conventionChoices,
  conventionQuestion,
  gammaAnswerProblem,
  parseAlphaAnswer,
  settingQuestion,
  type ConventionChoice,
  type FoundConvention,
} from './words';

/** What a question shows: its words, its items (quick picks) and the value or item it starts with. */
export interface PromptSnapshot {
  kind: 'input' | 'pick';
  title: string;
  prompt: string;
  placeholder: string;
  value: string;
  items: { label: string; detail?: string; description?: string }[];
  active: string[];
  validation?: string;
}

/** The question on screen (tests read it and fill it in), and an event when one opens. */
export class PromptTracker implements vscode.Disposable {
  private current: { snapshot: () => PromptSnapshot; fill: (value: string) => void } | undefined;
  private readonly shown = new vscode.EventEmitter<PromptSnapshot>();
  readonly onDidShow = this.shown.event;

  get snapshot(): PromptSnapshot | undefined {
    return this.current?.snapshot();
  }

  /** The next question (or the one open now). */
  wait(timeoutMs = 20_000): Promise<PromptSnapshot> {
    const now = this.snapshot;
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`no Focal Lens question within ${timeoutMs} ms`));
      }, timeoutMs);
      const sub = this.onDidShow((s) => {
        clearTimeout(timer);
        sub.dispose();
        resolve(s);
      });
    });
  }

  /** Types `value` into the open input box, or makes the item labelled `value` the active one. */
  fill(value: string): void {
    if (!this.current) throw new Error('no Focal Lens question is open');
    this.current.fill(value);
  }

  open(snapshot: () => PromptSnapshot, fill: (value: string) => void): vscode.Disposable {
    const entry = { snapshot, fill };
    this.current = entry;
    this.shown.fire(snapshot());
    return { dispose: () => void (this.current === entry && (this.current = undefined)) };
  }

  dispose(): void {
    this.shown.dispose();
  }
}

/**
 * Shows a quick input until it is answered or hidden (Escape, focus elsewhere, another question):
 * `answer` returns the answer, or undefined to keep it open. Resolves undefined when hidden unanswered.
 */
function ask<T>(input: vscode.QuickInput & { onDidAccept: vscode.Event<void> }, registration: vscode.Disposable, answer: () => T | undefined, extra: vscode.Disposable[] = []): Promise<T | undefined> {
  return new Promise((resolve) => {
    let answered = false;
    const subs = [
      ...extra,
      input.onDidAccept(() => {
        const value = answer();
        if (value === undefined) return;
        answered = true;
        resolve(value);
        input.hide();
      }),
      input.onDidHide(() => {
        subs.forEach((s) => s.dispose());
        registration.dispose();
        input.dispose();
        if (!answered) resolve(undefined);
      }),
    ];
    input.show();
  });
}

function inputBox(tracker: PromptTracker, words: { title: string; prompt: string; placeholder: string }, validate: (v: string) => string | undefined): Promise<string | undefined> {
  const box = vscode.window.createInputBox();
  box.title = words.title;
  box.prompt = words.prompt;
  box.placeholder = words.placeholder;
  box.ignoreFocusOut = true;
  const check = () => {
    box.validationMessage = box.value.trim() === '' ? undefined : validate(box.value);
  };
  const registration = tracker.open(
    () => ({ kind: 'input', title: box.title ?? '', prompt: box.prompt ?? '', placeholder: box.placeholder ?? '', value: box.value, items: [], active: [], ...(typeof box.validationMessage === 'string' ? { validation: box.validationMessage } : {}) }),
    (value) => {
      box.value = value;
      check();
    },
  );
  const accepted = () => {
    const problem = validate(box.value);
    box.validationMessage = problem;
    return problem ? undefined : box.value;
  };
  return ask(box, registration, accepted, [box.onDidChangeValue(check)]);
}

/** Asks for the run's alpha; undefined when the user backs out. */
export async function askAlpha(tracker: PromptTracker, needs: UsageNeeds, problem?: string): Promise<number | number[] | null | undefined> {
  const answer = await inputBox(tracker, settingQuestion('alpha', needs, problem), (v) => alphaAnswerProblem(v, needs.columns));
  return answer === undefined ? undefined : parseAlphaAnswer(answer);
}

export async function askGamma(tracker: PromptTracker, needs: UsageNeeds, problem?: string): Promise<number | undefined> {
  const answer = await inputBox(tracker, settingQuestion('gamma', needs, problem), gammaAnswerProblem);
  return answer === undefined ? undefined : Number(answer.trim());
}

interface ChoiceItem extends vscode.QuickPickItem {
  choice: ConventionChoice;
}

/**
 * Asks what a scalar alpha means, the choice the workspace's configs make (when they make one)
 * first and selected. Resolves the convention, 'per-class' (ask for a vector instead), or undefined.
 */
export function askConvention(tracker: PromptTracker, needs: UsageNeeds, found: FoundConvention[]): Promise<AlphaConvention | 'per-class' | undefined> {
  const choices = conventionChoices(needs);
  // a softmax log is best matched by a config whose loss is softmax-only (the sigmoid "positive" fits both)
  const fits = (f: FoundConvention) => (needs.loss === 'softmax' ? f.convention !== 'positive' && f.convention !== 'negative' : true);
  const ranked = [...found.filter(fits), ...found.filter((f) => !fits(f))];
  const suggested = ranked.map((f) => ({ f, choice: choiceFor(choices, f.convention) })).find((x) => x.choice);
  const items: ChoiceItem[] = choices.map((choice) => ({
    label: choice.label,
    detail: choice.detail,
    ...(suggested?.choice === choice ? { description: `what ${suggested.f.where}${suggested.f.library ? ` (${suggested.f.library})` : ''} uses` } : {}),
    choice,
  }));
  if (suggested) items.sort((x, y) => Number(y.choice === suggested.choice) - Number(x.choice === suggested.choice));
  const words = conventionQuestion(needs);
  const pick = vscode.window.createQuickPick<ChoiceItem>();
  pick.title = words.title;
  // a quick pick has no prompt line: the question is its placeholder
  pick.placeholder = words.prompt;
  pick.items = items;
  pick.matchOnDetail = true;
  pick.ignoreFocusOut = true;
  if (items[0]) pick.activeItems = [items[0]];
  const registration = tracker.open(
    () => ({
      kind: 'pick',
      title: pick.title ?? '',
      prompt: words.prompt,
      placeholder: pick.placeholder ?? '',
      value: pick.value,
      items: pick.items.map((i) => ({ label: i.label, ...(i.detail ? { detail: i.detail } : {}), ...(i.description ? { description: i.description } : {}) })),
      active: pick.activeItems.map((i) => i.label),
    }),
    (label) => {
      const item = pick.items.find((i) => i.label === label);
      if (!item) throw new Error(`no choice '${label}'`);
      pick.activeItems = [item];
    },
  );
  return ask(pick, registration, () => pick.activeItems[0]?.choice.convention);
}
