import { doorbellReadout } from '../doorbells.ts';
import { selectSample, selectSocket, useRingside } from '../store.ts';

const oneDecimal = (value: number) => value.toFixed(1);

/**
 * The syscalls one of Ringside's own sockets made, per received frame and per
 * sendto: where busy polling and the TX budget show what they did. An
 * attached socket's application counts for itself: nothing to show.
 */
export function DoorbellCounts({ socketId }: { socketId: string }) {
  const totals = useRingside((s) => selectSample(s, socketId)?.totals ?? null);
  const config = useRingside((s) => selectSocket(s, socketId)?.config ?? null);
  if (!totals || !config) return null;
  const readout = doorbellReadout(totals, config);
  const { perKiloframe, consumedPerSendto } = readout;
  return (
    <table className="doorbells" data-testid={`doorbells-${socketId}`}>
      <tbody>
        <tr>
          <th>per 1000 received frames</th>
          <td className="num" data-testid={`doorbells-${socketId}-per-kiloframe`}>
            {perKiloframe
              ? `${oneDecimal(perKiloframe.wakeups)} wakeups, ${oneDecimal(perKiloframe.idleWaits)} poll() sleeps, ${oneDecimal(perKiloframe.busyPolls)} busy polls`
              : 'nothing received yet'}
          </td>
        </tr>
        <tr>
          <th>TX descriptors per sendto</th>
          <td className="num" data-testid={`doorbells-${socketId}-per-sendto`} data-value={consumedPerSendto ?? ''}>
            {consumedPerSendto === null
              ? 'no sendto yet'
              : `${oneDecimal(consumedPerSendto)} over ${readout.sendtos} calls (budget: ${readout.txBudget ?? 'kernel default'})`}
          </td>
        </tr>
        <tr>
          <th>busy polling</th>
          <td>{readout.busyPoll ? 'on' : 'off'}</td>
        </tr>
      </tbody>
    </table>
  );
}
