import { XDP_ACTIONS, type XdpProgramInfo } from '@ringside/shared';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { type Action, useProgramCounters } from '../program-counters.ts';
import { diagnose, starvedSockets } from '../program-diagnosis.ts';
import { useRingside } from '../store.ts';
import {
  buildTopology,
  clipLine,
  coarseRate,
  DEFAULT_LAYOUT,
  LAYER_LABELS,
  layoutTopology,
  steeringFacts,
  type TopologyInput,
  trafficQueuesOf,
} from '../viz/topology.ts';
import { ExplainButton } from './Explain.tsx';
import { XdpProgramForm } from './XdpProgramForm.tsx';
import './topology.css';

const ACTION_LABELS: Record<Action, string> = {
  redirected: 'redirected to a socket',
  passed: 'passed to the kernel stack',
  dropped: 'dropped by the program',
  noSocket: 'chosen XSKMAP index empty',
  wrongQueue: 'redirected to a socket of another queue (kernel drops)',
};

/** Everything the topology is drawn from, read with narrow selectors. */
function useTopologyInput(): TopologyInput | null {
  const state = useRingside((s) => s.agentState);
  const trafficPps = useRingside((s) => (s.snapshot?.traffic ? coarseRate(s.snapshot.traffic.pps) : null));
  const rxPps = useRingside(
    useShallow((s) =>
      Object.fromEntries(
        (s.snapshot?.sockets ?? []).map((sample) => [sample.socketId, coarseRate(sample.rates.rxPps)]),
      ),
    ),
  );
  const byInterface = useProgramCounters((s) => s.byInterface);
  return useMemo(() => {
    if (!state) return null;
    return {
      interfaces: state.interfaces,
      programs: state.xdpPrograms,
      sockets: state.sockets,
      umems: state.umems,
      attached: state.attached,
      lab: state.lab,
      traffic: state.traffic,
      trafficPps,
      rxPps,
      actionRates: Object.fromEntries(Object.entries(byInterface).map(([ifname, reading]) => [ifname, reading.rates])),
    };
  }, [state, trafficPps, rxPps, byInterface]);
}

export function TopologyPanel() {
  const input = useTopologyInput();
  if (!input) return null;
  return (
    <section className="panel topology" data-testid="topology">
      <header className="panel-head">
        <h2>Topology</h2>
        <span className="muted">
          where frames go, from the wire to memory <ExplainButton topic="view:topology" />
        </span>
      </header>
      <TopologyDiagram input={input} />
      <div className="topology-details">
        {input.interfaces.map((device) => {
          const program = input.programs.find((candidate) => candidate.ifname === device.name) ?? null;
          return (
            <section key={device.name} className="topology-interface" data-testid={`interface-${device.name}`}>
              <h3>
                {device.name}{' '}
                <span className="muted">
                  ({device.driver}, {device.rxQueues} queues)
                </span>
              </h3>
              {program ? <ProgramCounters input={input} program={program} /> : <p className="muted">no XDP program</p>}
              <StarvedSockets input={input} ifname={device.name} />
              <XdpProgramForm ifname={device.name} />
            </section>
          );
        })}
        <UmemSharing input={input} />
      </div>
    </section>
  );
}

function TopologyDiagram({ input }: { input: TopologyInput }) {
  const boxRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(DEFAULT_LAYOUT.width);
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(560, Math.floor(entry.contentRect.width)));
    });
    observer.observe(box);
    return () => observer.disconnect();
  }, []);
  const layout = useMemo(() => layoutTopology(buildTopology(input), { ...DEFAULT_LAYOUT, width }), [input, width]);
  const { lineHeight, padding } = DEFAULT_LAYOUT;
  return (
    <div ref={boxRef} className="topology-box">
      <svg
        width={layout.width}
        height={layout.height}
        role="img"
        aria-label="Interfaces, queues, XDP program, XSKMAP, sockets, FILL/COMPLETION pairs and UMEMs"
      >
        <defs>
          <marker
            id="topology-arrow"
            viewBox="0 0 8 8"
            refX="7"
            refY="4"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L8,4 L0,8 z" className="topology-arrowhead" />
          </marker>
        </defs>
        {layout.layers.map(({ layer, y }) => (
          <text key={layer} className="topology-layer" x={0} y={y + 4}>
            {LAYER_LABELS[layer]}
          </text>
        ))}
        {layout.edges.map((edge) => (
          <g key={edge.id} className={`topology-edge ${edge.status}`} data-testid={`topo-edge-${edge.id}`}>
            <path d={edge.path} markerEnd="url(#topology-arrow)" />
            {edge.label && (
              <text x={edge.labelAt.x + 4} y={edge.labelAt.y}>
                {edge.label}
              </text>
            )}
          </g>
        ))}
        {layout.nodes.map((node) => (
          <g
            key={node.id}
            className={`topology-node ${node.layer} ${node.status}`}
            data-testid={`topo-${node.id}`}
            data-status={node.status}
            data-read-only={node.readOnly}
            transform={`translate(${node.x},${node.y})`}
          >
            <title>{node.lines.join('\n')}</title>
            {/* Dashed: another process's, drawn from what the kernel told, changed by nothing here. */}
            <rect width={node.width} height={node.height} rx={5} strokeDasharray={node.readOnly ? '4 3' : undefined} />
            {node.lines.map((line, i) => (
              <text
                // biome-ignore lint/suspicious/noArrayIndexKey: a node's lines are positional.
                key={i}
                className={i === 0 ? 'topology-title' : undefined}
                x={padding + 2}
                y={padding + lineHeight * (i + 1) - 3}
              >
                {clipLine(line, node.width - 2 * padding)}
              </text>
            ))}
          </g>
        ))}
      </svg>
    </div>
  );
}

function ProgramCounters({ input, program }: { input: TopologyInput; program: XdpProgramInfo }) {
  const reading = useProgramCounters((s) => s.byInterface[program.ifname]);
  const rates = reading?.rates ?? null;
  const diagnoses = rates ? diagnose(steeringFacts(input, program), rates) : [];
  const troubled = new Set(diagnoses.map((diagnosis) => diagnosis.action));
  return (
    <div className="program" data-testid={`program-${program.ifname}`}>
      <p>
        <strong data-testid="program-kind">{program.kind}</strong> program {program.name} · id {program.programId} ·{' '}
        {program.mode} mode
        {program.xskmap
          ? ` · XSKMAP ${program.xskmap.name} (id ${program.xskmap.id}, ${program.xskmap.maxEntries} entries)`
          : ''}
        <ExplainButton topic="view:xskmap" />
      </p>
      {program.ports.length > 0 && (
        <p className="muted">
          routes: {program.ports.map((route) => `UDP ${route.port} → index ${route.index}`).join(' · ')}
        </p>
      )}
      {reading ? (
        <table className="stats program-counters">
          <thead>
            <tr>
              <th scope="col">action</th>
              <th scope="col">total</th>
              <th scope="col">per second</th>
            </tr>
          </thead>
          <tbody>
            {XDP_ACTIONS.map((action) => (
              <tr
                key={action}
                data-testid={`program-${action}-row`}
                data-rising={troubled.has(action)}
                className={troubled.has(action) ? 'rising' : ''}
              >
                <th scope="row">{ACTION_LABELS[action]}</th>
                <td data-testid={`program-${action}`}>{reading.totals[action]}</td>
                <td data-testid={`program-${action}-rate`}>{rates ? Math.round(rates[action]) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">
          {program.kind === 'libxdp-default' || program.kind === 'other'
            ? 'this program keeps no counters Ringside can read'
            : 'waiting for the counters…'}
        </p>
      )}
      <ul className="diagnoses" data-testid="diagnoses" aria-live="polite">
        {diagnoses.map((diagnosis) => (
          <li key={`${diagnosis.action}:${diagnosis.text}`} className="diagnosis" data-action={diagnosis.action}>
            <strong>{ACTION_LABELS[diagnosis.action]}:</strong> {diagnosis.text}
          </li>
        ))}
      </ul>
    </div>
  );
}

function StarvedSockets({ input, ifname }: { input: TopologyInput; ifname: string }) {
  const queues = trafficQueuesOf(input, ifname);
  const starved = queues === null ? [] : starvedSockets(input.sockets, ifname, queues);
  if (starved.length === 0) return null;
  return (
    <ul className="diagnoses" data-testid="starved">
      {starved.map((hint) => (
        <li key={hint.socketId} className="diagnosis" data-socket={hint.socketId}>
          {hint.text}
        </li>
      ))}
    </ul>
  );
}

/** The same facts as the diagram's lower rows, as text: which sockets share which UMEM through which pair. */
function UmemSharing({ input }: { input: TopologyInput }) {
  return (
    <section className="umem-sharing">
      <h3>
        UMEMs and their FILL/COMPLETION pairs <ExplainButton topic="view:shared-umem" />
      </h3>
      <table className="stats">
        <thead>
          <tr>
            <th scope="col">UMEM</th>
            <th scope="col">sockets</th>
            <th scope="col">FILL/COMPLETION pairs</th>
          </tr>
        </thead>
        <tbody>
          {input.umems.map((umem) => (
            <tr key={umem.id} data-testid={`sharing-${umem.id}`} data-pairs={umem.pairs.length}>
              <th scope="row">{umem.id}</th>
              <td data-testid="sharing-sockets">{umem.socketIds.join(', ')}</td>
              <td>
                {umem.pairs.map((pair) => (
                  <div key={`${pair.ifname}/${pair.queueId}`} data-testid={`pair-${pair.ifname}-${pair.queueId}`}>
                    {pair.ifname} queue {pair.queueId}: {pair.socketIds.join(', ')}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
