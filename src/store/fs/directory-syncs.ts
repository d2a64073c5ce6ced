/**
 * Directory fsyncs with group commit: many files renamed into one directory
 * at once (a deposit writes several at a time) share one fsync of it. A
 * caller never joins an fsync that had already started, as that one may have
 * missed the caller's rename; it joins, or starts, the next one.
 */
export class DirectorySyncs {
  private readonly pending = new Map<string, { running: Promise<void>; next?: Promise<void> }>();

  constructor(private readonly fsync: (dir: string) => Promise<void>) {}

  sync(dir: string): Promise<void> {
    const entry = this.pending.get(dir);
    if (entry === undefined) {
      const running = this.run(dir);
      this.pending.set(dir, { running });
      return running;
    }
    entry.next ??= entry.running
      .catch(() => undefined)
      .then(() => {
        entry.running = entry.next!;
        entry.next = undefined;
        return this.run(dir);
      });
    return entry.next;
  }

  private async run(dir: string): Promise<void> {
    try {
      await this.fsync(dir);
    } finally {
      const entry = this.pending.get(dir);
      if (entry !== undefined && entry.next === undefined) this.pending.delete(dir);
    }
  }
}
