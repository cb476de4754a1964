import { describe, expect, it } from 'vitest';
import { missingKeys, nonFiniteNumbers, REQUIRED_KEYS, rounded } from './report.ts';

/** A report with every required path set to `value`, built from the paths themselves. */
function reportWith(value: unknown): Record<string, unknown> {
  const report: Record<string, unknown> = {};
  for (const path of REQUIRED_KEYS) {
    const parts = path.split('.');
    let node = report;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts.at(-1) as string] = value;
  }
  return report;
}

describe('the report shape', () => {
  it('names every key the issue requires, nested as dotted paths', () => {
    expect(REQUIRED_KEYS).toContain('dataplane.l2fwd.js_drops');
    expect(REQUIRED_KEYS).toContain('snapshot_build_us.sockets_64');
    expect(REQUIRED_KEYS).toContain('cli_help_ms.max');
    expect(REQUIRED_KEYS).toContain('attach_release_ms.kill.p99');
    expect(REQUIRED_KEYS).toContain('attach_release_ms.metrics_gone.p99');
    expect(REQUIRED_KEYS).toContain('busy_poll.wakeups_per_kframe.off');
    expect(REQUIRED_KEYS).toContain('multibuffer.rxdrop_gbps.js');
    expect(REQUIRED_KEYS).toContain('multibuffer.rxdrop_gbps.native');
    expect(REQUIRED_KEYS).toContain('dataplane.rxdrop.vs_reference');
    // 12 data-plane keys and rxdrop against the reference, 12 of the agent, 5 of attaching, 1 of the launcher, 2 of record and replay, 1 of busy
    // polling (`on` may be refused), 2 of multi-buffer.
    expect(REQUIRED_KEYS).toHaveLength(12 + 1 + 12 + 5 + 1 + 2 + 1 + 2);
  });

  it('accepts a report whose required keys are all finite numbers', () => {
    expect(missingKeys(reportWith(1.5))).toEqual([]);
  });

  it('lists the keys that are missing, not numbers or not finite', () => {
    const report = reportWith(1);
    (report.dataplane as Record<string, Record<string, unknown>>).txonly = { js_mpps: Number.NaN };
    (report.ui_frame_ms as Record<string, unknown>).p95 = '16';
    expect(missingKeys(report)).toEqual([
      'dataplane.txonly.js_mpps',
      'dataplane.txonly.native_mpps',
      'dataplane.txonly.ratio',
      'dataplane.txonly.js_drops',
      'ui_frame_ms.p95',
    ]);
  });
});

describe('nonFiniteNumbers', () => {
  it('names every number JSON cannot hold, at any depth, arrays included', () => {
    const report = {
      agent_rss_mb: { start: 300, parts: { main_heap_used: { slope_mb_per_min: Number.NaN, start: 12 } } },
      runs: [1, Number.POSITIVE_INFINITY],
      mode: 'quick',
      missing: null,
    };
    expect(nonFiniteNumbers(report)).toEqual(['agent_rss_mb.parts.main_heap_used.slope_mb_per_min', 'runs.1']);
    expect(nonFiniteNumbers(reportWith(2))).toEqual([]);
  });
});

describe('rounded', () => {
  it('rounds numbers at any depth and leaves the rest', () => {
    expect(rounded({ a: 1.23456, b: [2.34567], c: 'x', d: { e: 3.000001 } })).toEqual({
      a: 1.235,
      b: [2.346],
      c: 'x',
      d: { e: 3 },
    });
  });
});
