import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CPU_STATES,
  medianScheduling,
  NewThreadWatch,
  parseCpuTicks,
  parseSchedstat,
  parseSwitches,
  scheduling,
  threadsOf,
} from './scheduling.ts';

describe('reading what the scheduler did', () => {
  it('reads schedstat as ns on a CPU, ns waiting for one, and timeslices', () => {
    expect(parseSchedstat('1203400 5600 42\n')).toEqual({ run_ns: 1203400, wait_ns: 5600, timeslices: 42 });
    expect(() => parseSchedstat('12 34\n')).toThrow(/three numbers/);
  });

  it('reads both context-switch counts from a thread status', () => {
    const status = 'Name:\tnode\nState:\tR (running)\nvoluntary_ctxt_switches:\t17\nnonvoluntary_ctxt_switches:\t3\n';
    expect(parseSwitches(status)).toEqual({ voluntary_switches: 17, nonvoluntary_switches: 3 });
    expect(() => parseSwitches('Name:\tnode\n')).toThrow(/voluntary_ctxt_switches/);
  });

  it('reads the all-CPU line of /proc/stat, not a single CPU’s', () => {
    const stat = 'cpu  10 1 20 300 4 0 6 0 0 0\ncpu0 5 0 10 150 2 0 3 0 0 0\nintr 1\n';
    expect(parseCpuTicks(stat)).toEqual({
      user: 10,
      nice: 1,
      system: 20,
      idle: 300,
      iowait: 4,
      irq: 0,
      softirq: 6,
      steal: 0,
    });
  });

  it('reads this machine’s files', () => {
    expect(Object.keys(parseCpuTicks(readFileSync('/proc/stat', 'utf8')))).toEqual([...CPU_STATES]);
    expect(threadsOf(process.pid)).toContain(process.pid);
  });
});

describe('a window in percent and per second', () => {
  const cpu = { user: 50, nice: 0, system: 80, idle: 40, iowait: 0, irq: 0, softirq: 30, steal: 0 };

  it('splits the window into running, waiting for a CPU and asleep', () => {
    const s = scheduling(
      { run_ns: 1.2e9, wait_ns: 0.2e9, timeslices: 400, voluntary_switches: 1000, nonvoluntary_switches: 50 },
      cpu,
      2,
    );
    expect(s.thread_pct.running).toBeCloseTo(60);
    expect(s.thread_pct.runqueue).toBeCloseTo(10);
    expect(s.thread_pct.asleep).toBeCloseTo(30);
    expect(s.voluntary_switches_per_s).toBe(500);
    expect(s.nonvoluntary_switches_per_s).toBe(25);
    expect(s.timeslices_per_s).toBe(200);
    expect(s.machine_cpu_pct.idle).toBeCloseTo(20);
    expect(s.machine_cpu_pct.softirq).toBeCloseTo(15);
  });

  it('takes each field’s median over runs', () => {
    const run = (ns: number) =>
      scheduling({ run_ns: ns, wait_ns: 0, timeslices: 1, voluntary_switches: 0, nonvoluntary_switches: 0 }, cpu, 1);
    expect(medianScheduling([run(0.1e9), run(0.9e9), run(0.5e9)]).thread_pct.running).toBeCloseTo(50);
  });
});

describe('NewThreadWatch', () => {
  it('finds the busiest thread started after it was made, over the window', async () => {
    const { Worker } = await import('node:worker_threads');
    const watch = new NewThreadWatch(process.pid, new Set(threadsOf(process.pid)));
    // A thread that spins for the window: the watch must pick it, and see it run most of it.
    const spin = new Worker(
      'const { parentPort } = require("node:worker_threads"); parentPort.once("message", (ms) => { const end = Date.now() + ms; while (Date.now() < end); parentPort.postMessage("done"); });',
      { eval: true },
    );
    try {
      await new Promise((resolve) => spin.once('online', resolve));
      watch.start();
      const started = process.hrtime.bigint();
      spin.postMessage(200);
      await new Promise((resolve) => spin.once('message', resolve));
      const windowNs = Number(process.hrtime.bigint() - started);
      const { thread } = watch.stop();
      expect(thread.run_ns + thread.wait_ns).toBeGreaterThan(0.5 * windowNs);
    } finally {
      await spin.terminate();
    }
  });
});
