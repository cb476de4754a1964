import { explanationFor } from '../explain.ts';
import { useSelection } from '../selection.ts';

/** A small "?" beside an element: opens its explanation in the side panel. */
export function ExplainButton({ topic }: { topic: string }) {
  const explain = useSelection((s) => s.explain);
  const title = explanationFor(topic)?.title ?? topic;
  return (
    <button
      type="button"
      className="explain"
      data-testid={`explain-${topic}`}
      aria-label={`Explain: ${title}`}
      title={`What is ${title}?`}
      onClick={() => explain(topic)}
    >
      ?
    </button>
  );
}

export function ExplanationPanel() {
  const topic = useSelection((s) => s.topic);
  const explain = useSelection((s) => s.explain);
  const explanation = topic ? explanationFor(topic) : null;
  return (
    <section className="panel explanation" data-testid="explanation" aria-live="polite">
      <h2>{explanation?.title ?? 'Explanations'}</h2>
      <p>{explanation?.text ?? 'Press a ? beside anything on the page to read what it is.'}</p>
      {explanation && (
        <button type="button" className="link" onClick={() => explain(null)}>
          close
        </button>
      )}
    </section>
  );
}
