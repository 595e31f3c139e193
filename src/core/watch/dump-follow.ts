/**
 * The prediction dumps of a live run, followed file by file with the dump readers' own parsers: a
 * text dump (JSONL, CSV) is parsed as its bytes arrive, a piece at a time, its partial last line
 * waiting in the parser for the rest; a per-epoch .npz file is read once it has appeared and stopped
 * growing (the focal_lens writer renames each one into place complete).
 */
import { blockChunks, logBlockIssues, openPredictionDump, type PredictionDump } from '../readers/dump';
import type { InputError, IssueLog } from '../readers/errors';
import type { DumpSource, TextDumpSource } from '../readers/dump-source';
import { planGrowingTextFile } from '../readers/text-reader';
import { TextBlockParser } from '../readers/text-parse';
import type { DumpMeta, PredictionChunk } from '../readers/types';
import { FileTail, isGone, type TailChange } from './tail';

export interface DumpFollowOptions {
  lenient: boolean;
  maxLineBytes: number;
  chunkSize: number;
  /** The split to judge, given the dump's meta (the session decides it once, from the first dump, as analyze does). */
  split(meta: DumpMeta): string | undefined;
  /** Bad records of every dump file of the run (strict: the first one stops the watch). */
  log: IssueLog;
  /** Base for file names in messages. */
  displayBase: string;
}

export type DumpStep =
  /** One piece was read: its complete records; `fatal` when a bad record stopped it (strict mode; the rows before it are good). */
  | { kind: 'rows'; chunks: PredictionChunk[]; bytes: number; fatal?: InputError }
  /** Nothing to read now. */
  | { kind: 'idle' };

export interface DumpFollower {
  readonly source: DumpSource;
  readonly tail: FileTail;
  readonly name: string;
  /** The file's meta once its head is read (text), or none (arrays: the reader applies it). */
  readonly meta: DumpMeta | undefined;
  /** What changed in the file since the last poll. */
  poll(): Promise<TailChange>;
  /** Read the next piece of what the last poll found. */
  step(): Promise<DumpStep>;
  /** Nothing known is unread and no record is half written: no rows can be on their way. */
  caughtUp(): boolean;
  /** Read the file again from its start (the watch starts over). */
  rewind(): void;
}

/** What both followers share: the tail of their file, read again from its start when it was truncated or replaced. */
abstract class TailFollower<S extends DumpSource> {
  readonly tail: FileTail;

  constructor(
    readonly source: S,
    readonly name: string,
    protected readonly opts: DumpFollowOptions,
  ) {
    this.tail = new FileTail(source.paths[0]!);
  }

  async poll(): Promise<TailChange> {
    const change = await this.tail.poll();
    if (change.kind === 'reset') this.rewind();
    return change;
  }

  abstract rewind(): void;
}

/** Follows a JSONL or CSV dump (uncompressed: a gzip stream cannot be read on from its middle). */
export class TextDumpFollower extends TailFollower<TextDumpSource> implements DumpFollower {
  private parser: TextBlockParser | null = null;
  /** 1-based line of the parser's next block. */
  private nextLine = 1;
  meta: DumpMeta | undefined;

  rewind(): void {
    this.tail.rewind();
    this.parser = null;
    this.meta = undefined;
  }

  async step(): Promise<DumpStep> {
    if (!this.tail.pending) return { kind: 'idle' };
    if (!this.parser && !(await this.start())) return { kind: 'idle' };
    const { bytes, offset } = await this.tail.read();
    if (bytes.length === 0) return { kind: 'idle' };
    const parser = this.parser!;
    parser.push(bytes, offset);
    const block = parser.take();
    const fatal = logBlockIssues(block, this.nextLine, this.name, this.opts.log);
    this.nextLine += block.lines;
    return { kind: 'rows', chunks: [...blockChunks(block, this.opts.chunkSize)], bytes: bytes.length, ...(fatal ? { fatal } : {}) };
  }

  caughtUp(): boolean {
    return !this.tail.pending && this.tail.atLineEnd;
  }

  /** Plan the file from its head once the head is complete; false while it is not. */
  private async start(): Promise<boolean> {
    const { opts } = this;
    let plan;
    try {
      plan = await planGrowingTextFile(this.tail.path, this.name, this.source.kind, { lenient: opts.lenient, maxLineBytes: opts.maxLineBytes }, this.tail.size);
    } catch (err) {
      // deleted since the poll: the next poll says so
      if (isGone(err)) return false;
      throw err;
    }
    if (!plan) return false;
    const split = opts.split(plan.meta);
    if (split !== undefined) plan.cfg.splitFilter = split;
    this.parser = new TextBlockParser(plan.cfg);
    this.meta = plan.meta;
    this.nextLine = plan.dataLine;
    this.tail.offset = plan.dataOffset;
    return true;
  }
}

/**
 * Follows a dump of arrays (a per-epoch .npz file): read whole, with the dump reader, once it
 * has stopped growing between two polls; read again whole if it is replaced.
 */
export class ArrayDumpFollower extends TailFollower<DumpSource> implements DumpFollower {
  readonly meta = undefined;
  private dump: PredictionDump | null = null;
  private chunks: AsyncIterator<PredictionChunk> | null = null;
  private done = false;
  /** The size the previous poll saw: the file is read once a poll sees it unchanged. */
  private seen = -1;
  private stable = false;

  override async poll(): Promise<TailChange> {
    const change = await super.poll();
    this.stable = this.tail.size === this.seen;
    this.seen = this.tail.size;
    return change;
  }

  rewind(): void {
    this.tail.rewind();
    void this.chunks?.return?.(undefined);
    this.chunks = null;
    this.dump = null;
    this.done = false;
  }

  async step(): Promise<DumpStep> {
    if (this.done || !this.stable) return { kind: 'idle' };
    if (!this.chunks) {
      this.dump = await openPredictionDump(this.source.paths, { sources: [this.source], lenient: this.opts.lenient, chunkSize: this.opts.chunkSize, workers: 0, displayBase: this.opts.displayBase });
      this.chunks = this.dump.chunks[Symbol.asyncIterator]();
    }
    const chunks: PredictionChunk[] = [];
    let samples = 0;
    // a bounded part of the file per step, so other files are read in turn
    while (samples < this.opts.chunkSize) {
      const next = await this.chunks.next();
      if (next.done) {
        this.done = true;
        // records skipped under --lenient count with the run's
        const { skipped, issues } = this.dump!.issues();
        for (const issue of issues) this.opts.log.add(issue);
        this.opts.log.skipped += skipped - issues.length;
        // the reader has read the file: what is left to poll is only a replacement
        this.tail.offset = this.tail.size;
        break;
      }
      chunks.push(next.value);
      samples += next.value.samples;
    }
    return chunks.length ? { kind: 'rows', chunks, bytes: 0 } : { kind: 'idle' };
  }

  caughtUp(): boolean {
    return this.done;
  }
}
