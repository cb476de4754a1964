import { useRingside } from '../store.ts';

const RATES = [1, 2, 5, 10, 20, 30, 60];

export function SnapshotControls() {
  const perSecond = useRingside((s) => s.agentState?.snapshotsPerSecond ?? null);
  const connected = useRingside((s) => s.status === 'connected');
  const setSnapshotRate = useRingside((s) => s.setSnapshotRate);
  const resync = useRingside((s) => s.resync);
  if (perSecond === null) return null;
  // The agent may run at a rate that is not one of ours; offer it so the select can show it.
  const options = RATES.includes(perSecond) ? RATES : [...RATES, perSecond].sort((a, b) => a - b);

  return (
    <section className="panel controls">
      <h2>Snapshots</h2>
      <div className="row">
        <label>
          <select
            value={perSecond}
            disabled={!connected}
            onChange={(event) => setSnapshotRate(Number(event.target.value))}
          >
            {options.map((rate) => (
              <option key={rate} value={rate}>
                {rate}
              </option>
            ))}
          </select>
          <span className="muted">per second</span>
        </label>
        <button type="button" disabled={!connected} onClick={resync}>
          Resync
        </button>
      </div>
    </section>
  );
}
