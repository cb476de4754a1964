import { type DiscoveredXsk, RING_KINDS } from '@ringside/shared';
import { RING_LABELS, ringSizeNote, ringSizeText } from '../kernel-view.ts';
import { selectCanControl, useRingside } from '../store.ts';
import { RequestOutcomeText } from './RequestOutcomeText.tsx';

const NONE: readonly DiscoveredXsk[] = [];

/**
 * Every AF_XDP socket on the host, of every process and namespace, as the
 * agent's discovery finds them: a control page attaches to one (read-only)
 * and it joins the socket views. Ringside's own are listed as such.
 */
export function HostSockets() {
  const discovered = useRingside((s) => s.agentState?.discovered ?? NONE);
  return (
    <section className="panel host-sockets" data-testid="host-sockets">
      <header className="panel-head">
        <h2>Host sockets</h2>
        <span className="muted">every AF_XDP socket on this host, in every process and network namespace</span>
      </header>
      {discovered.length === 0 ? (
        <p className="muted">No AF_XDP socket found on the host.</p>
      ) : (
        <table className="stats host-table">
          <thead>
            <tr>
              <th scope="col">process</th>
              <th scope="col" className="num">
                pid
              </th>
              <th scope="col" className="num">
                fd
              </th>
              <th scope="col">netns</th>
              {RING_KINDS.map((kind) => (
                <th key={kind} scope="col" className="num">
                  {RING_LABELS[kind]}
                </th>
              ))}
              <th scope="col">zero-copy</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {discovered.map((xsk) => (
              <HostSocketRow key={xsk.id} xsk={xsk} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function HostSocketRow({ xsk }: { xsk: DiscoveredXsk }) {
  const canControl = useRingside(selectCanControl);
  const attach = useRingside((s) => s.attach);
  const detach = useRingside((s) => s.detach);
  const attachOutcome = useRingside((s) => s.outcomes[`attach:${xsk.pid}-${xsk.fd}`]);
  const zeroCopy = xsk.kernel.zeroCopy.value;
  return (
    <tr data-testid={`host-socket-${xsk.pid}-${xsk.fd}`} data-own={xsk.own} data-attached={xsk.attachedAs ?? ''}>
      <td title={xsk.cmdline.join(' ')} data-testid="host-socket-command">
        {xsk.command}
      </td>
      <td className="num">{xsk.pid}</td>
      <td className="num">{xsk.fd}</td>
      <td title={`network namespace inode ${xsk.netns.inode}`}>{xsk.netns.name ?? xsk.netns.inode}</td>
      {RING_KINDS.map((kind) => {
        const size = ringSizeText(xsk.kernel.rings[kind]);
        return (
          <td
            key={kind}
            data-testid={`host-socket-${kind}-size`}
            data-exact={size.exact}
            className={size.exact ? 'num' : 'num ambiguous'}
            title={size.exact ? 'exact' : ringSizeNote(xsk.kernel.rings[kind]) || 'not known'}
          >
            {size.text}
          </td>
        );
      })}
      <td>{zeroCopy === null ? 'unknown' : zeroCopy ? 'yes' : 'no'}</td>
      <td>
        {xsk.own ? (
          <span className="muted">Ringside's own</span>
        ) : xsk.attachedAs !== null ? (
          <>
            <span data-testid="host-socket-attached-as">attached as {xsk.attachedAs}</span>{' '}
            <button
              type="button"
              data-testid="host-socket-detach"
              disabled={!canControl}
              onClick={() => detach(xsk.attachedAs as string)}
            >
              Detach
            </button>
          </>
        ) : (
          <button
            type="button"
            data-testid="host-socket-attach"
            disabled={!canControl}
            onClick={() => attach(xsk.pid, xsk.fd)}
          >
            Attach
          </button>
        )}{' '}
        <RequestOutcomeText outcome={attachOutcome} testId="host-socket-outcome" pending="attaching…" />
      </td>
    </tr>
  );
}
