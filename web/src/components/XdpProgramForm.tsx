import { SetXdpProgram, XdpProgramKind, XSKMAP_ENTRIES } from '@ringside/shared';
import { type FormEvent, useEffect, useState } from 'react';
import { problemsFor } from '../form-model.ts';
import { selectCanControl, useRingside } from '../store.ts';
import { RequestOutcomeText } from './RequestOutcomeText.tsx';

const KIND_LABELS: Record<XdpProgramKind, string> = {
  'by-queue': 'by-queue: each queue to its own index',
  'round-robin': 'round-robin: take turns over the sockets',
  'steer-by-port': 'steer-by-port: UDP port → index',
  'drop-half': 'drop-half: by queue, dropping every second frame',
  'rx-metadata': "rx-metadata: by queue, the kernel's RX metadata in front of each frame",
  'libxdp-default': "libxdp's default program",
};

interface RouteDraft {
  port: string;
  index: string;
}

/** Routes as typed; each must read as a port and an index the protocol accepts. */
function readRoutes(drafts: readonly RouteDraft[]): { ports: { port: number; index: number }[]; problem: string } {
  const ports = drafts.map((draft) => ({ port: Number(draft.port), index: Number(draft.index) }));
  const parsed = SetXdpProgram.shape.ports.safeParse(ports);
  if (parsed.success) return { ports, problem: '' };
  const issue = parsed.error.issues[0];
  const row = typeof issue?.path[0] === 'number' ? issue.path[0] + 1 : null;
  const what =
    issue?.path[1] === 'index'
      ? `index must be a whole number from 0 to ${XSKMAP_ENTRIES - 1}`
      : 'port must be from 1 to 65535';
  return { ports, problem: row === null ? (issue?.message ?? 'invalid routes') : `route ${row}: ${what}` };
}

/**
 * Chooses the XDP program on one interface. The agent checks what only it
 * can (sockets in the way, two sockets on one index) and its answer shows
 * beside the field it names.
 */
export function XdpProgramForm({ ifname }: { ifname: string }) {
  const current = useRingside((s) => s.agentState?.xdpPrograms.find((program) => program.ifname === ifname) ?? null);
  const canControl = useRingside(selectCanControl);
  const origin = `program:${ifname}`;
  const outcome = useRingside((s) => s.outcomes[origin]);
  const command = useRingside((s) => s.command);
  const clearOutcome = useRingside((s) => s.clearOutcome);
  const rxMetadata = useRingside((s) => s.agentState?.rxMetadata ?? null);
  // An agent before protocol 2.4 sends no probe: it has no rx-metadata program either.
  const rxMetadataRefusal =
    rxMetadata === null
      ? 'rx-metadata cannot be chosen: this agent does not say which RX metadata kfuncs the kernel has'
      : rxMetadata.program.reason;
  const currentKind = current && current.kind !== 'other' ? current.kind : 'by-queue';
  const currentRoutes = JSON.stringify(current?.ports ?? []);
  const [kind, setKind] = useState<XdpProgramKind>(currentKind);
  const [routes, setRoutes] = useState<RouteDraft[]>([]);
  // A program the agent loaded (from here or another client) becomes the form's starting point.
  useEffect(() => {
    setKind(currentKind);
    setRoutes((JSON.parse(currentRoutes) as { port: number; index: number }[]).map(toDraft));
  }, [currentKind, currentRoutes]);

  const steering = kind === 'steer-by-port';
  const { ports, problem } = steering ? readRoutes(routes) : { ports: [], problem: '' };
  const agentProblems = outcome?.state === 'refused' ? (outcome.problems ?? []) : [];
  const disabled = !canControl;
  const edit = (change: () => void) => {
    change();
    if (outcome?.state !== 'pending') clearOutcome(origin);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (problem) return;
    command({ type: 'setXdpProgram', ifname, program: kind, ...(steering ? { ports } : {}) }, origin);
  };

  return (
    <form className="program-form" data-testid={`program-form-${ifname}`} onSubmit={submit} noValidate>
      <label>
        <span className="field-label">XDP program on {ifname}</span>
        <select
          data-testid="program-kind-select"
          value={kind}
          disabled={disabled}
          onChange={(event) => edit(() => setKind(event.target.value as XdpProgramKind))}
        >
          {XdpProgramKind.options.map((option) => {
            const refusal = option === 'rx-metadata' ? rxMetadataRefusal : null;
            return (
              <option
                key={option}
                value={option}
                disabled={refusal !== null}
                title={refusal ?? undefined}
                data-testid={`program-kind-${option}`}
              >
                {KIND_LABELS[option]}
                {/* A select is as wide as its widest option: the reason goes under it, where it wraps. */}
                {refusal ? ' (unavailable: see below)' : ''}
              </option>
            );
          })}
        </select>
      </label>
      {rxMetadataRefusal !== null && (
        <p className="program-unavailable" data-testid="program-unavailable-rx-metadata">
          {rxMetadataRefusal}
        </p>
      )}
      {kind === 'rx-metadata' && rxMetadata && (
        <ul className="rx-metadata-kfuncs" data-testid="rx-metadata-kfuncs">
          {rxMetadata.kfuncs.map((entry) => {
            const here = entry.interfaces.find((device) => device.ifname === ifname)?.offered ?? null;
            const state = !entry.kernel || here === false ? 'unavailable' : here === null ? 'unknown' : 'available';
            return (
              <li key={entry.field} data-testid={`rx-metadata-kfunc-${entry.field}`} data-state={state}>
                <code>{entry.kfunc}</code>: {state}
                {!entry.kernel
                  ? ` (the kernel lacks it: it came in Linux ${entry.since})`
                  : here === false
                    ? ` (${ifname}'s driver does not implement it: it answers EOPNOTSUPP)`
                    : here === null
                      ? ` (the kernel does not say whether ${ifname}'s driver implements it)`
                      : ''}
              </li>
            );
          })}
        </ul>
      )}
      <span className="problem" data-testid="program-problem">
        {problemsFor(agentProblems, 'program').join(' · ')}
      </span>
      {steering && (
        <fieldset className="routes" data-testid="program-routes">
          <legend>port routes</legend>
          {routes.map((route, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: routes are edited in place, by position.
            <div key={i} className="row">
              <label>
                UDP port
                <input
                  type="text"
                  inputMode="numeric"
                  data-testid={`route-${i}-port`}
                  value={route.port}
                  disabled={disabled}
                  onChange={(event) =>
                    edit(() => setRoutes(replace(routes, i, { ...route, port: event.target.value })))
                  }
                />
              </label>
              <label>
                → index
                <input
                  type="text"
                  inputMode="numeric"
                  data-testid={`route-${i}-index`}
                  value={route.index}
                  disabled={disabled}
                  onChange={(event) =>
                    edit(() => setRoutes(replace(routes, i, { ...route, index: event.target.value })))
                  }
                />
              </label>
              <button
                type="button"
                disabled={disabled}
                onClick={() => edit(() => setRoutes(routes.filter((_, j) => j !== i)))}
              >
                remove
              </button>
            </div>
          ))}
          <button
            type="button"
            data-testid="route-add"
            disabled={disabled}
            onClick={() => edit(() => setRoutes([...routes, { port: '', index: '' }]))}
          >
            add a route
          </button>
          <span className="problem" data-testid="program-ports-problem">
            {[problem, ...problemsFor(agentProblems, 'ports')].filter(Boolean).join(' · ')}
          </span>
        </fieldset>
      )}
      <div className="form-actions">
        <button
          type="submit"
          data-testid="program-apply"
          disabled={disabled || problem !== '' || outcome?.state === 'pending'}
        >
          Load program
        </button>
        <RequestOutcomeText outcome={outcome} testId="program-outcome" pending="loading…" done="loaded" />
      </div>
    </form>
  );
}

const toDraft = (route: { port: number; index: number }): RouteDraft => ({
  port: String(route.port),
  index: String(route.index),
});

function replace<T>(items: readonly T[], at: number, item: T): T[] {
  return items.map((existing, i) => (i === at ? item : existing));
}
