import { link, mkdir, mkdtemp, open, rm, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MultiHasher } from '../../digest/index.js';

/** One file being decoded out of an 编码数据 element. */
export interface OpenFile {
  readonly id: number;
  readonly hasher: MultiHasher;
  size: number;
}

/**
 * Writes decoded content under `outDir`. The XML parser is synchronous, so
 * its handlers only queue work here; the reader runs the queue after every
 * chunk it feeds the parser, which keeps at most one chunk's worth of decoded
 * bytes in memory and lets the disk apply backpressure.
 *
 * Content goes to a private temp directory first and is linked to its final
 * name only once the whole element was read and its name checked, because
 * 编码数据 may come before the 计算机文件名 that names it; link() refuses to
 * replace anything already there.
 */
export class FileSink {
  private readonly queue: (() => Promise<void>)[] = [];
  private readonly handles = new Map<number, FileHandle>();
  private tmpDir: string | undefined;
  private next = 0;

  constructor(private readonly outDir: string) {}

  open(): OpenFile {
    const file: OpenFile = { id: this.next++, hasher: new MultiHasher(['sha256']), size: 0 };
    this.queue.push(async () => {
      this.tmpDir ??= await mkdtemp(join(this.outDir, '.eep-tmp-'));
      this.handles.set(file.id, await open(this.tmpPath(file.id), 'wx'));
    });
    return file;
  }

  write(file: OpenFile, data: Buffer): void {
    if (data.length === 0) return;
    file.size += data.length;
    file.hasher.update(data);
    this.queue.push(async () => {
      await this.handles.get(file.id)!.write(data);
    });
  }

  /** Close and move to `target` (relative to outDir, already checked); `done` learns whether it worked. */
  commit(file: OpenFile, target: string, done: (error?: unknown) => void): void {
    this.queue.push(async () => {
      await this.closeHandle(file.id);
      const to = join(this.outDir, target);
      try {
        await mkdir(dirname(to), { recursive: true });
        await link(this.tmpPath(file.id), to);
        done();
      } catch (e) {
        done(e);
      }
      await unlink(this.tmpPath(file.id));
    });
  }

  /** Close and delete: the content was refused or cut short. */
  discard(file: OpenFile): void {
    this.queue.push(async () => {
      await this.closeHandle(file.id);
      await rm(this.tmpPath(file.id), { force: true });
    });
  }

  /** Run the queued work in order. */
  async flush(): Promise<void> {
    while (this.queue.length > 0) await this.queue.shift()!();
  }

  /** Close anything still open and remove the temp directory (always call, also after errors). */
  async dispose(): Promise<void> {
    this.queue.length = 0;
    for (const id of [...this.handles.keys()]) await this.closeHandle(id);
    if (this.tmpDir !== undefined) await rm(this.tmpDir, { recursive: true, force: true });
  }

  private async closeHandle(id: number): Promise<void> {
    const h = this.handles.get(id);
    this.handles.delete(id);
    await h?.close();
  }

  private tmpPath(id: number): string {
    return join(this.tmpDir!, String(id));
  }
}
