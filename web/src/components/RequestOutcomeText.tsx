import type { RequestOutcome } from '../store.ts';

interface Props {
  outcome: RequestOutcome | undefined;
  testId: string;
  /** What to say while the agent has not answered, and once it has done it ('' says nothing). */
  pending?: string;
  done?: string;
}

/** What became of the last request a control sent: under way, done, or the agent's refusal in its own words. */
export function RequestOutcomeText({ outcome, testId, pending = '', done = '' }: Props) {
  const text =
    outcome?.state === 'refused'
      ? outcome.code === 'ringside-limit'
        ? `Ringside's own limit, not the kernel's: ${outcome.message}`
        : outcome.message
      : outcome?.state === 'pending'
        ? pending
        : outcome?.state === 'done'
          ? done
          : '';
  return (
    <span
      className={outcome?.state === 'refused' ? 'outcome refused' : 'outcome'}
      data-testid={testId}
      data-state={outcome?.state ?? 'none'}
      data-code={outcome?.code}
      role="status"
    >
      {text}
    </span>
  );
}
