/**
 * The main thread's scheduling while it carries out a command. Between
 * commands it samples and serves at OBSERVER_NICE, yielding to the data plane
 * when the cores are saturated (dataplane/control.ts says why). A command is
 * a person waiting: at that nice, on two cores busy with traffic and other
 * work, a createSocket took over 20 s to answer (seen in a suite run at load
 * 19). So while any command runs the thread competes at the data plane's own
 * nice, and goes back once the last one is done.
 */
export class CommandPriority {
  private running = 0;
  private refused = false;

  /**
   * `setNice` changes the calling thread's nice value. Going back up takes
   * CAP_SYS_NICE (or RLIMIT_NICE), which an agent run without root lacks: it
   * then keeps its nice, and commands wait their turn as before.
   */
  constructor(
    private readonly setNice: (nice: number) => void,
    private readonly levels: { idle: number; commanding: number },
  ) {}

  async during<T>(work: () => Promise<T>): Promise<T> {
    if (this.running++ === 0) this.set(this.levels.commanding);
    try {
      return await work();
    } finally {
      if (--this.running === 0) this.set(this.levels.idle);
    }
  }

  private set(nice: number): void {
    if (this.refused) return;
    try {
      this.setNice(nice);
    } catch {
      this.refused = true;
    }
  }
}
