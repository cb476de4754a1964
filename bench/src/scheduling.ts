import { readdirSync, readFileSync } from 'node:fs';
import { median } from './stats.ts';

/**
 * What the scheduler did with a data-plane thread over a measured window, and
 * how the machine's CPUs spent that window: a loop that moves fewer frames
 * either ran less (it slept: voluntary switches), waited for a CPU (runqueue
 * wait, nonvoluntary switches), or ran as much and did more per frame. The
 * kernel keeps per thread, in /proc/<pid>/task/<tid>/: schedstat (ns on a CPU,
 * ns runnable but waiting, timeslices run) and status (voluntary and
 * nonvoluntary context switches); /proc/stat's first line, every CPU's ticks
 * by state. xskbench reads the same files for its own thread (its JSON's
 * `thread` and `cpu_ticks`).
 */

export interface ThreadTimes {
  run_ns: number;
  wait_ns: number;
  timeslices: number;
  voluntary_switches: number;
  nonvoluntary_switches: number;
}

/** /proc/stat's CPU states, in its order (guest time is already counted in user). */
export const CPU_STATES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
export type CpuState = (typeof CPU_STATES)[number];
export type CpuTicks = Record<CpuState, number>;

/** One window of one run, per second of it: what the reader of the bench JSON compares between JS and C. */
export interface Scheduling {
  /**
   * Of the window, the thread's share: on a CPU, runnable but waiting for one, and the rest, asleep. Asleep is a
   * remainder: the kernel adds a wait to its total only when the wait ends, and JS's window is read around awaits,
   * so what the two counters miss lands there too; voluntary switches say whether the thread really slept.
   */
  thread_pct: { running: number; runqueue: number; asleep: number };
  timeslices_per_s: number;
  voluntary_switches_per_s: number;
  nonvoluntary_switches_per_s: number;
  /** Every CPU's time in the window by state, in percent of all of it. */
  machine_cpu_pct: CpuTicks;
}

export function parseSchedstat(text: string): Pick<ThreadTimes, 'run_ns' | 'wait_ns' | 'timeslices'> {
  const [run, wait, slices] = text.trim().split(/\s+/).map(Number);
  if (run === undefined || wait === undefined || slices === undefined || [run, wait, slices].some(Number.isNaN)) {
    throw new Error(`schedstat: expected three numbers, read '${text.trim()}'`);
  }
  return { run_ns: run, wait_ns: wait, timeslices: slices };
}

export function parseSwitches(status: string): Pick<ThreadTimes, 'voluntary_switches' | 'nonvoluntary_switches'> {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s*(\\d+)$`, 'm').exec(status);
    if (!match) throw new Error(`status: no ${name}`);
    return Number(match[1]);
  };
  return {
    voluntary_switches: field('voluntary_ctxt_switches'),
    nonvoluntary_switches: field('nonvoluntary_ctxt_switches'),
  };
}

export function parseCpuTicks(procStat: string): CpuTicks {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  const values = line?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  if (values.length < CPU_STATES.length) throw new Error(`/proc/stat: no whole 'cpu' line in '${line ?? ''}'`);
  return Object.fromEntries(CPU_STATES.map((state, i) => [state, values[i] as number])) as CpuTicks;
}

/** The thread's times, or null once it has exited. */
export function readThreadTimes(pid: number, tid: number): ThreadTimes | null {
  try {
    const task = `/proc/${pid}/task/${tid}`;
    return {
      ...parseSchedstat(readFileSync(`${task}/schedstat`, 'utf8')),
      ...parseSwitches(readFileSync(`${task}/status`, 'utf8')),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') {
      return null;
    }
    throw error;
  }
}

export function readCpuTicks(): CpuTicks {
  return parseCpuTicks(readFileSync('/proc/stat', 'utf8'));
}

export function threadsOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map(Number);
}

export function threadTimesDelta(a: ThreadTimes, b: ThreadTimes): ThreadTimes {
  return {
    run_ns: b.run_ns - a.run_ns,
    wait_ns: b.wait_ns - a.wait_ns,
    timeslices: b.timeslices - a.timeslices,
    voluntary_switches: b.voluntary_switches - a.voluntary_switches,
    nonvoluntary_switches: b.nonvoluntary_switches - a.nonvoluntary_switches,
  };
}

export function cpuTicksDelta(a: CpuTicks, b: CpuTicks): CpuTicks {
  return Object.fromEntries(CPU_STATES.map((state) => [state, b[state] - a[state]])) as CpuTicks;
}

/** A window's thread times and CPU ticks (deltas), per second and in percent. */
export function scheduling(thread: ThreadTimes, cpu: CpuTicks, seconds: number): Scheduling {
  const windowNs = seconds * 1e9;
  const running = (100 * thread.run_ns) / windowNs;
  const runqueue = (100 * thread.wait_ns) / windowNs;
  const ticks = CPU_STATES.reduce((sum, state) => sum + cpu[state], 0);
  return {
    thread_pct: { running, runqueue, asleep: Math.max(0, 100 - running - runqueue) },
    timeslices_per_s: thread.timeslices / seconds,
    voluntary_switches_per_s: thread.voluntary_switches / seconds,
    nonvoluntary_switches_per_s: thread.nonvoluntary_switches / seconds,
    machine_cpu_pct: Object.fromEntries(
      CPU_STATES.map((state) => [state, ticks > 0 ? (100 * cpu[state]) / ticks : 0]),
    ) as CpuTicks,
  };
}

/** Each field's median over runs: one run's hiccup does not speak for the rest. */
export function medianScheduling(runs: readonly Scheduling[]): Scheduling {
  const of = (pick: (s: Scheduling) => number) => median(runs.map(pick));
  return {
    thread_pct: {
      running: of((s) => s.thread_pct.running),
      runqueue: of((s) => s.thread_pct.runqueue),
      asleep: of((s) => s.thread_pct.asleep),
    },
    timeslices_per_s: of((s) => s.timeslices_per_s),
    voluntary_switches_per_s: of((s) => s.voluntary_switches_per_s),
    nonvoluntary_switches_per_s: of((s) => s.nonvoluntary_switches_per_s),
    machine_cpu_pct: Object.fromEntries(
      CPU_STATES.map((state) => [state, of((s) => s.machine_cpu_pct[state])]),
    ) as CpuTicks,
  };
}

/**
 * The threads a step started (a data-plane worker, for one), watched over a
 * window: which of them is the loop is found afterwards, as the one that ran
 * most. The worker's OS thread id is nowhere else to be had: Node names its
 * threads all alike.
 */
export class NewThreadWatch {
  private readonly before: Map<number, ThreadTimes> = new Map();
  private cpu: CpuTicks | null = null;

  constructor(
    private readonly pid: number,
    private readonly existing: ReadonlySet<number>,
  ) {}

  /** Threads present now that were not in `existing`, with the machine's ticks: the window opens. */
  start(): void {
    this.cpu = readCpuTicks();
    for (const tid of threadsOf(this.pid)) {
      if (this.existing.has(tid)) continue;
      const times = readThreadTimes(this.pid, tid);
      if (times) this.before.set(tid, times);
    }
  }

  /** The window closes: the busiest new thread's times over it, and the machine's ticks. */
  stop(): { thread: ThreadTimes; cpu: CpuTicks } {
    if (!this.cpu) throw new Error('NewThreadWatch.stop before start');
    let busiest: ThreadTimes | null = null;
    for (const [tid, start] of this.before) {
      const end = readThreadTimes(this.pid, tid);
      if (!end) continue;
      const delta = threadTimesDelta(start, end);
      if (!busiest || delta.run_ns > busiest.run_ns) busiest = delta;
    }
    const cpu = cpuTicksDelta(this.cpu, readCpuTicks());
    if (!busiest) throw new Error('no thread was started for the socket, or it ended in the window');
    return { thread: busiest, cpu };
  }
}
