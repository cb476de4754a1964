import { useState } from 'react';
import { useDiagnoses } from '../diagnoses.ts';
import './diagnosis.css';

const MARKS = { ok: '✓', failing: '✗', unknown: '?' } as const;

/** The socket's diagnosis in one line, opening onto each stage of the frame's path with its evidence and fix. */
export function DiagnosisVerdict({ socketId }: { socketId: string }) {
  const diagnosis = useDiagnoses((s) => s.byId[socketId]);
  const [open, setOpen] = useState(false);
  if (!diagnosis) {
    return (
      <div className="verdict" data-testid="diagnosis" data-verdict="pending">
        <span className="muted">Diagnosing the receive path…</span>
      </div>
    );
  }
  return (
    <div
      className={`verdict verdict-${diagnosis.verdict}`}
      data-testid="diagnosis"
      data-verdict={diagnosis.verdict}
      data-failing={diagnosis.failing ?? ''}
    >
      <button
        type="button"
        className="verdict-line"
        aria-expanded={open}
        data-testid="diagnosis-line"
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true">
          {diagnosis.verdict === 'failing' ? '✗' : diagnosis.verdict === 'receiving' ? '✓' : '·'}
        </span>{' '}
        {diagnosis.line}
      </button>
      {open && (
        <ol className="verdict-stages" data-testid="diagnosis-stages">
          {diagnosis.stages.map((finding) => (
            <li
              key={finding.stage}
              className={`verdict-stage stage-${finding.status}`}
              data-testid={`diagnosis-${finding.stage}`}
              data-status={finding.status}
            >
              <span className="verdict-mark" role="img" aria-label={finding.status}>
                {MARKS[finding.status]}
              </span>
              <span>
                <strong>{finding.title}</strong> — {finding.evidence}
                {finding.fix && <span className="verdict-fix">Fix: {finding.fix}</span>}
              </span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
