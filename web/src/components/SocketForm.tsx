import {
  defaultSocketRequest,
  optionUnavailable,
  type SocketOptionName,
  type TxMetadataRequest,
  txMetadataRequestUnavailable,
  txMetadataUnavailable,
  whoComputesTheChecksum,
} from '@ringside/shared';
import { type FormEvent, type ReactNode, useEffect, useId, useState } from 'react';
import {
  checkDraft,
  type DraftField,
  draftFrom,
  problemsFor,
  type SocketDraft,
  sends,
  shareUmem,
  UMEM_FIELDS,
} from '../form-model.ts';
import { selectCanControl, selectSocket, useRingside } from '../store.ts';
import { RequestOutcomeText } from './RequestOutcomeText.tsx';

/** The create form starts from the socket the agent starts with. */
const NEW_SOCKET = defaultSocketRequest('');

/**
 * Creates a socket (no `socketId`) or reconfigures one. Every knob of
 * SocketRequest, checked as typed with the agent's own rules; the agent's
 * answer appears beside the field it names, or beside the button.
 */
export function SocketForm({ socketId }: { socketId: string | null }) {
  const origin = `form:${socketId ?? 'new'}`;
  const request = useRingside((s) => (socketId === null ? null : (selectSocket(s, socketId)?.request ?? null)));
  const limits = useRingside((s) => s.agentState?.umemLimits ?? null);
  const interfaces = useRingside((s) => s.agentState?.interfaces ?? null);
  const umems = useRingside((s) => s.agentState?.umems ?? null);
  const features = useRingside((s) => s.agentState?.socketFeatures ?? null);
  const canControl = useRingside(selectCanControl);
  const outcome = useRingside((s) => s.outcomes[origin]);
  const createSocket = useRingside((s) => s.createSocket);
  const reconfigureSocket = useRingside((s) => s.reconfigureSocket);
  const clearOutcome = useRingside((s) => s.clearOutcome);
  const firstInterface = interfaces?.[0]?.name ?? '';
  const initial = () =>
    request
      ? draftFrom(request)
      : draftFrom({ ...NEW_SOCKET, socket: { ...NEW_SOCKET.socket, ifname: firstInterface } });
  const [draft, setDraft] = useState<SocketDraft>(initial);
  const formId = useId();
  const idOf = (name: DraftField) => `${formId}-${name}`;
  // Each state message is a new object: compare the request's content, so that
  // only an applied or restored configuration replaces what the user is typing.
  const requestKey = JSON.stringify(request);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new request from the agent resets the form.
  useEffect(() => setDraft(initial()), [requestKey, firstInterface]);

  if (!limits || !interfaces || !umems) return null;
  const creating = socketId === null;
  const { request: checked, problems } = checkDraft(draft, limits, interfaces, creating, features);
  const agentProblems = outcome?.state === 'refused' ? (outcome.problems ?? []) : [];
  const disabled = !canControl;
  // A socket sharing a UMEM takes its configuration (the kernel's rule): those fields follow the UMEM.
  const sharing = draft.umemId !== '';
  const lockedField = (name: DraftField) => disabled || (sharing && (UMEM_FIELDS as readonly string[]).includes(name));
  const chooseUmem = (umemId: string) => {
    setDraft((d) => shareUmem(d, umems.find((umem) => umem.id === umemId) ?? null));
    if (outcome?.state !== 'pending') clearOutcome(origin);
  };

  const change = <K extends DraftField>(field: K, value: SocketDraft[K]) => {
    setDraft((d) => ({ ...d, [field]: value }));
    if (outcome?.state !== 'pending') clearOutcome(origin);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!checked) return;
    if (creating) createSocket(checked, draft.socketId || null, origin);
    else reconfigureSocket(socketId, checked, origin);
  };

  const field = (name: DraftField, label: string, input: ReactNode) => {
    // The agent names the whole `umem` when a shared UMEM's configuration differs: that is the sharing choice's business.
    const agentFields = name === 'umemId' ? [name, 'umem'] : [name];
    const messages = [
      ...problemsFor(problems, name),
      ...agentFields.flatMap((agentField) => problemsFor(agentProblems, agentField)),
    ];
    return (
      <div className={messages.length > 0 ? 'field invalid' : 'field'}>
        <label className="field-label" htmlFor={idOf(name)}>
          {label}
        </label>
        {input}
        <span className="problem" data-testid={`form-${name}-problem`}>
          {messages.join(' · ')}
        </span>
      </div>
    );
  };
  const number = (name: DraftField, label: string, locked = lockedField(name), placeholder?: string) =>
    field(
      name,
      label,
      <input
        type="text"
        inputMode="numeric"
        id={idOf(name)}
        data-testid={`form-${name}`}
        placeholder={placeholder}
        value={String(draft[name])}
        disabled={locked}
        onChange={(event) => change(name, event.target.value as never)}
      />,
    );
  const flag = (name: DraftField, label: string, locked = lockedField(name)) =>
    field(
      name,
      label,
      <input
        type="checkbox"
        id={idOf(name)}
        data-testid={`form-${name}`}
        checked={Boolean(draft[name])}
        disabled={locked}
        onChange={(event) => change(name, event.target.checked as never)}
      />,
    );

  /**
   * An option this kernel lacks (or an agent that probed none) is greyed out,
   * named with the release that brought it; one already set stays editable so it can be cleared.
   */
  const missing = (option: SocketOptionName): string | null =>
    features ? optionUnavailable(features, option) : 'this agent did not say which socket options its kernel takes';
  const unavailable = (testId: string, why: string | null) =>
    why && (
      <span className="muted" data-testid={testId}>
        {why}
      </span>
    );
  const option = (name: SocketOptionName, input: ReactNode) => (
    <>
      {input}
      {unavailable(`form-${name}-unavailable`, missing(name))}
    </>
  );
  const optionLocked = (name: SocketOptionName, set: boolean) => disabled || (missing(name) !== null && !set);

  // TX metadata is the UMEM's: greyed out like a socket option the kernel lacks, and followed by a shared UMEM.
  const kernel = features?.kernel ?? '';
  const metadataMissing = txMetadataUnavailable(features?.txMetadata, kernel, 'txMetadata');
  const softwareChecksumMissing = txMetadataUnavailable(features?.txMetadata, kernel, 'swChecksum');
  const hasMetadata = draft.txMetadataLength.trim() !== '';
  const device = interfaces.find((candidate) => candidate.name === draft.ifname);
  // The interface's xsk-features decide the per-frame requests; asked of the kernel alone, they stay open, so that what
  // the kernel does with them (copy mode stamps in software) can be seen.
  const requestMissing = (request: TxMetadataRequest) => txMetadataRequestUnavailable(request, device ?? null, kernel);
  const requestLocked = (request: TxMetadataRequest, set: boolean) =>
    disabled || (requestMissing(request) !== null && !set && draft.checks !== 'kernel');

  return (
    <form className="socket-form" data-testid={`socket-form-${socketId ?? 'new'}`} onSubmit={submit} noValidate>
      <fieldset>
        <legend>UMEM</legend>
        {field(
          'umemId',
          'share UMEM of',
          <select
            id={idOf('umemId')}
            data-testid="form-umemId"
            value={draft.umemId}
            disabled={disabled}
            onChange={(event) => chooseUmem(event.target.value)}
          >
            <option value="">none: a UMEM of its own</option>
            {umems.map((umem) => (
              <option key={umem.id} value={umem.id}>
                {umem.id} ({umem.socketIds.join(', ')})
              </option>
            ))}
          </select>,
        )}
        {number('frameCount', 'frames')}
        {field(
          'frameSize',
          'chunk size',
          <>
            <input
              type="text"
              inputMode="numeric"
              list="chunk-sizes"
              id={idOf('frameSize')}
              data-testid="form-frameSize"
              value={draft.frameSize}
              disabled={lockedField('frameSize')}
              onChange={(event) => change('frameSize', event.target.value)}
            />
            <datalist id="chunk-sizes">
              {limits.alignedChunkSizes.map((size) => (
                <option key={size} value={size} />
              ))}
            </datalist>
          </>,
        )}
        {number('headroom', 'headroom')}
        {number('fillSize', 'FILL size')}
        {number('completionSize', 'COMPLETION size')}
        {flag('unaligned', 'unaligned chunks')}
        {number(
          'txMetadataLength',
          'TX metadata bytes',
          lockedField('txMetadataLength') || (metadataMissing !== null && !hasMetadata),
          'none',
        )}
        {unavailable('form-txMetadata-unavailable', metadataMissing)}
        {hasMetadata && (
          <>
            {flag(
              'swChecksum',
              'software checksum (XDP_UMEM_TX_SW_CSUM)',
              lockedField('swChecksum') || (softwareChecksumMissing !== null && !draft.swChecksum),
            )}
            {unavailable('form-swChecksum-unavailable', softwareChecksumMissing)}
            <span className="muted" data-testid="form-txMetadata-checksum">
              {`txonly asks for each frame's UDP checksum in the metadata in front of it: ${whoComputesTheChecksum(
                draft.swChecksum,
                device ? { name: device.name, xsk: device.xdpFeatures?.xsk ?? null } : null,
              )}.`}
            </span>
            {flag(
              'txTimestamp',
              'completion timestamp (XDP_TXMD_FLAGS_TIMESTAMP)',
              requestLocked('timestamp', draft.txTimestamp),
            )}
            {unavailable('form-txTimestamp-unavailable', requestMissing('timestamp'))}
            {number(
              'launchTimeOffsetNs',
              'launch time, ns ahead (XDP_TXMD_FLAGS_LAUNCH_TIME)',
              requestLocked('launchTime', draft.launchTimeOffsetNs.trim() !== ''),
              'none',
            )}
            {unavailable('form-launchTime-unavailable', requestMissing('launchTime'))}
          </>
        )}
      </fieldset>
      <fieldset>
        <legend>Socket</legend>
        {creating &&
          field(
            'socketId',
            'socket id',
            <input
              type="text"
              id={idOf('socketId')}
              data-testid="form-socketId"
              placeholder="next free"
              value={draft.socketId}
              disabled={disabled}
              onChange={(event) => change('socketId', event.target.value)}
            />,
          )}
        {field(
          'ifname',
          'interface',
          <select
            id={idOf('ifname')}
            data-testid="form-ifname"
            value={draft.ifname}
            disabled={disabled}
            onChange={(event) => change('ifname', event.target.value)}
          >
            {interfaces.map((device) => (
              <option key={device.name} value={device.name}>
                {device.name} ({device.driver}, {device.rxQueues} queue{device.rxQueues === 1 ? '' : 's'})
              </option>
            ))}
          </select>,
        )}
        {number('queueId', 'queue')}
        {field(
          'xskmapIndex',
          'XSKMAP index',
          <input
            type="text"
            inputMode="numeric"
            id={idOf('xskmapIndex')}
            data-testid="form-xskmapIndex"
            placeholder="program chooses"
            value={draft.xskmapIndex}
            disabled={disabled}
            onChange={(event) => change('xskmapIndex', event.target.value)}
          />,
        )}
        {number('rxSize', 'RX size (0: none)')}
        {number('txSize', 'TX size (0: none)')}
        {field(
          'xdpMode',
          'XDP mode',
          <select
            id={idOf('xdpMode')}
            data-testid="form-xdpMode"
            value={draft.xdpMode}
            disabled={disabled}
            onChange={(event) => change('xdpMode', event.target.value as SocketDraft['xdpMode'])}
          >
            <option value="drv">drv (native)</option>
            <option value="skb">skb (generic)</option>
          </select>,
        )}
        {flag('copy', 'XDP_COPY')}
        {flag('zeroCopy', 'XDP_ZEROCOPY')}
        {flag('needWakeup', 'need_wakeup')}
        {number('batchSize', 'batch size')}
      </fieldset>
      <fieldset>
        <legend>Socket options</legend>
        {option('busyPoll', flag('busyPoll', 'busy polling', optionLocked('busyPoll', draft.busyPoll)))}
        {draft.busyPoll && flag('preferBusyPoll', 'SO_PREFER_BUSY_POLL')}
        {draft.busyPoll && number('busyPollUsecs', 'SO_BUSY_POLL (µs)')}
        {draft.busyPoll && number('busyPollBudget', 'SO_BUSY_POLL_BUDGET')}
        {draft.busyPoll && (
          <span className="muted" data-testid="form-busyPoll-netdev">
            The interface's napi_defer_hard_irqs and gro_flush_timeout stay as they are: Ringside changes no netdev's
            NAPI settings (the kernel's selftests set 2 and 200000 ns for busy polling).
          </span>
        )}
        {option(
          'multiBuffer',
          flag('multiBuffer', 'multi-buffer (XDP_USE_SG)', optionLocked('multiBuffer', draft.multiBuffer)),
        )}
        {draft.multiBuffer && features?.multiBuffer?.maxFragments && (
          <span className="muted" data-testid="form-multiBuffer-limit">
            A frame longer than a chunk comes and goes as several descriptors, XDP_PKT_CONTD on all but the last; this
            kernel sends at most {features.multiBuffer.maxFragments} per packet in copy mode (probed at start) and drops
            a longer chain whole.
          </span>
        )}
        {option(
          'txBudget',
          field(
            'txBudget',
            'TX budget per sendto',
            <input
              type="text"
              inputMode="numeric"
              id={idOf('txBudget')}
              data-testid="form-txBudget"
              placeholder="kernel default"
              value={draft.txBudget}
              disabled={optionLocked('txBudget', draft.txBudget !== '')}
              onChange={(event) => change('txBudget', event.target.value)}
            />,
          ),
        )}
      </fieldset>
      <fieldset>
        <legend>Work</legend>
        {field(
          'workload',
          'workload',
          <select
            id={idOf('workload')}
            data-testid="form-workload"
            value={draft.workload}
            disabled={disabled}
            onChange={(event) => change('workload', event.target.value as SocketDraft['workload'])}
          >
            <option value="rxdrop">rxdrop: receive and recycle</option>
            <option value="txonly">txonly: send generated frames</option>
            <option value="l2fwd">l2fwd: send back what arrives</option>
          </select>,
        )}
        {sends(draft.workload) && number('ratePps', 'TX rate (pps)')}
        {sends(draft.workload) && number('frameLength', 'frame length')}
        {field(
          'checks',
          'checked by',
          <select
            id={idOf('checks')}
            data-testid="form-checks"
            value={draft.checks}
            disabled={disabled}
            onChange={(event) => change('checks', event.target.value as SocketDraft['checks'])}
          >
            <option value="ringside">Ringside, then the kernel</option>
            <option value="kernel">the kernel alone</option>
          </select>,
        )}
      </fieldset>
      <div className="form-actions">
        <button type="submit" data-testid="form-submit" disabled={disabled || !checked || outcome?.state === 'pending'}>
          {creating ? 'Create socket' : 'Apply'}
        </button>
        <RequestOutcomeText outcome={outcome} testId="form-outcome" pending="applying…" done="applied" />
      </div>
    </form>
  );
}
