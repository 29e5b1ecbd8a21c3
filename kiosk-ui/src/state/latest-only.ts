/**
 * Live views reload on every event, so loads overlap, and a slow older answer could land after
 * a newer one and show a state that is already gone. LatestOnly keeps only the newest call's
 * answer (or error); older ones resolve to undefined.
 */
export class LatestOnly {
  private seq = 0;

  async run<T>(load: () => Promise<T>): Promise<T | undefined> {
    const mine = ++this.seq;
    try {
      const value = await load();
      return mine === this.seq ? value : undefined;
    } catch (err) {
      if (mine === this.seq) throw err;
      return undefined;
    }
  }
}
