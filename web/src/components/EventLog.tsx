import { useRingside } from '../store.ts';

export function EventLog() {
  const events = useRingside((s) => s.events);
  return (
    <section className="panel events">
      <h2>Events</h2>
      {events.length === 0 ? (
        <p className="muted">None yet</p>
      ) : (
        <ol>
          {events.map((event) => (
            <li key={event.key} data-kind={event.kind}>
              <time className="muted" dateTime={new Date(event.at).toISOString()}>
                {new Date(event.at).toLocaleTimeString()}
              </time>
              <span>{event.message}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
