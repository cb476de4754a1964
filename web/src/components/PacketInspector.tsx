import {
  completionStampClock,
  describeCompletionStamps,
  FRAME_OWNERS,
  type FrameOwner,
  OWNER_EXPLANATIONS,
  readTxMetadata,
  TXONLY_CHECKSUM_REQUEST,
  type TxMetadataConfig,
  type TxMetadataReading,
} from '@ringside/shared';
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { locateFrame, nextFrameHeldBy, type PacketFragments, packetFragments, shownBytes } from '../descriptors.ts';
import { captureUrl } from '../exports.ts';
import { useOwners } from '../owners.ts';
import { bytesFromBase64, type DecodedPacket, decodePacket, frameAsHex, hexRows, layerAt } from '../packet.ts';
import { useSelection } from '../selection.ts';
import { selectAnswered, selectDetail, selectUmemOf, useRingside } from '../store.ts';
import { frameNamed, useViolations } from '../violations.ts';
import { ExplainButton } from './Explain.tsx';
import { RxMetadataSection } from './RxMetadataSection.tsx';
import './inspector.css';

/** Auto-refresh period: often enough to watch a frame change hands, well inside the agent's command budget. */
const REFRESH_MS = 1000;
const JUMP_OWNERS = ['rx', 'fill', 'tx', 'completion'] as const satisfies readonly FrameOwner[];
/** Owners of a frame on its way out: what it holds is what the sender wrote. */
const SENDING_OWNERS: readonly FrameOwner[] = ['tx', 'kernel-tx', 'completion'];

/** One socket's inspected frame: its bytes, decoded headers and owner, read again while the user watches. */
export function PacketInspectorPanel({ socketId }: { socketId: string }) {
  const umem = useRingside((s) => selectUmemOf(s, socketId));
  const frame = useSelection((s) => s.frames[socketId] ?? null);
  const selectFrame = useSelection((s) => s.selectFrame);
  const answered = useRingside(selectAnswered);
  const readFrame = useRingside((s) => s.readFrame);
  const watchDetail = useRingside((s) => s.watchDetail);
  const outcome = useRingside((s) => s.outcomes[`inspector:${socketId}`]);
  const [auto, setAuto] = useState(true);
  const [typed, setTyped] = useState<string | null>(null);

  // The descriptors (offset and length of the frame in its chunk) come from the socket's detail stream.
  useEffect(() => {
    watchDetail(socketId);
  }, [socketId, watchDetail]);
  // A frame is read when it is chosen (or the connection comes back); switching the re-reads off reads nothing.
  useEffect(() => {
    if (frame !== null && answered) readFrame(socketId, frame);
  }, [socketId, frame, answered, readFrame]);
  useEffect(() => {
    if (frame === null || !answered || !auto) return;
    const timer = setInterval(() => readFrame(socketId, frame), REFRESH_MS);
    return () => clearInterval(timer);
  }, [socketId, frame, auto, answered, readFrame]);

  if (!umem) return null;
  const frameCount = umem.config.frameCount;
  const text = typed ?? (frame === null ? '' : String(frame));
  const wanted = Number(text);
  const valid = text.trim() !== '' && Number.isInteger(wanted) && wanted >= 0 && wanted < frameCount;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    setTyped(null);
    if (wanted === frame) readFrame(socketId, wanted);
    else selectFrame(socketId, wanted);
  };
  // The next frame after the shown one that `owner` holds: pressing again walks through them.
  const jumpTo = (owner: FrameOwner) => {
    const owners = useOwners.getState().owners.get(socketId);
    const found = owners ? nextFrameHeldBy(owners, FRAME_OWNERS.indexOf(owner), frame) : null;
    setTyped(null);
    if (found !== null) selectFrame(socketId, found);
  };

  return (
    <section className="panel inspector" data-testid={`inspector-${socketId}`} data-reading={outcome?.state ?? ''}>
      <header className="panel-head">
        <h2>Packet inspector · {socketId}</h2>
        <span className="muted">
          UMEM {umem.id}: {frameCount} frames of {umem.config.frameSize} B <ExplainButton topic="view:inspector" />
        </span>
        <a
          href={captureUrl(window.location.search, socketId)}
          download
          data-testid="inspector-pcap"
          title="The next frames this socket receives, as a pcap file for tcpdump or Wireshark"
        >
          Download pcap
        </a>
      </header>
      <form className="row inspector-controls" onSubmit={submit}>
        <label>
          frame
          <input
            type="text"
            inputMode="numeric"
            data-testid="inspector-frame"
            value={text}
            placeholder={`0–${frameCount - 1}`}
            onChange={(event) => setTyped(event.target.value)}
          />
        </label>
        <button type="submit" data-testid="inspector-read" disabled={!answered || !valid}>
          Read
        </button>
        <label>
          <input
            type="checkbox"
            data-testid="inspector-auto"
            checked={auto}
            onChange={(event) => setAuto(event.target.checked)}
          />
          refresh every second
        </label>
        <span className="muted">next frame in:</span>
        {JUMP_OWNERS.map((owner) => (
          <button key={owner} type="button" data-testid={`inspector-next-${owner}`} onClick={() => jumpTo(owner)}>
            {owner}
          </button>
        ))}
      </form>
      <span className="problem" data-testid="inspector-problem">
        {text !== '' && !valid ? `a frame number from 0 to ${frameCount - 1}` : ''}
        {outcome?.state === 'refused' ? outcome.message : ''}
      </span>
      {frame === null ? (
        <p className="muted">
          Choose a frame: type its number, take the next one a ring holds, or pick one named by a ledger violation.
        </p>
      ) : (
        <FrameView
          socketId={socketId}
          frame={frame}
          headroom={umem.config.headroom}
          txMetadata={umem.config.txMetadata ?? null}
        />
      )}
    </section>
  );
}

interface FrameViewProps {
  socketId: string;
  frame: number;
  headroom: number;
  /** The UMEM's TX metadata: a frame sent from it has struct xsk_tx_metadata in front. */
  txMetadata: TxMetadataConfig | null;
}

function FrameView({ socketId, frame, headroom, txMetadata }: FrameViewProps) {
  const message = useRingside((s) => {
    const latest = s.frames[socketId];
    return latest?.frame === frame ? latest : null;
  });
  const detail = useRingside((s) => selectDetail(s, socketId));
  const withRxMetadata = useRingside((s) => {
    const ifname = s.agentState?.sockets.find((socket) => socket.id === socketId)?.config.ifname;
    return s.agentState?.xdpPrograms.some((program) => program.ifname === ifname && program.kind === 'rx-metadata');
  });
  const zeroCopy = useRingside(
    (s) => s.agentState?.sockets.find((candidate) => candidate.id === socketId)?.zeroCopyActive === true,
  );
  const stampsText = useRingside((s) => {
    const stamps = selectDetail(s, socketId)?.txCompletionStamps;
    const socket = s.agentState?.sockets.find((candidate) => candidate.id === socketId);
    if (!stamps || !socket) return null;
    const device = s.agentState?.interfaces.find((candidate) => candidate.name === socket.config.ifname);
    const xsk = device?.xdpFeatures?.xsk ?? null;
    return describeCompletionStamps(stamps, device ? { name: device.name, xsk } : null, socket.zeroCopyActive);
  });
  const named = useViolations(
    useShallow((s) => s.seen.filter((seen) => seen.socketId === socketId && frameNamed(seen.text) === frame)),
  );
  const [whole, setWhole] = useState(false);
  const bytes = useMemo(() => (message ? bytesFromBase64(message.bytes) : null), [message]);
  // Bytes that differ from the previous read of this frame: a receive overwriting a sent frame shows here.
  const previous = useRef<{ frame: number; bytes: Uint8Array } | null>(null);
  const changed = useMemo(() => {
    const before = previous.current;
    const result = new Set<number>();
    if (bytes && before && before.frame === frame && before.bytes !== bytes) {
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== before.bytes[i]) result.add(i);
    }
    return result;
  }, [bytes, frame]);
  useEffect(() => {
    if (bytes) previous.current = { frame, bytes };
  }, [bytes, frame]);

  if (!message || !bytes) return <p className="muted">Reading frame {frame}…</p>;
  // A multi-buffer packet's headers are in its first fragment: decoded as Ethernet, a later one would show noise.
  const fragments = detail ? packetFragments(detail.entries, frame, bytes.length) : null;
  // txonly writes a frame tx_metadata_len into its chunk; guessed from the headroom, a sent frame's chunk
  // would show the frame last received into it instead.
  const sent = txMetadata !== null && SENDING_OWNERS.includes(message.owner);
  const located = locateFrame(message, bytes, sent ? txMetadata.length : headroom, detail?.entries ?? null);
  // Only a frame on its way out has metadata of its sender's in front; a received one has headroom there. Only
  // txonly writes metadata: a stamp is told from txonly's request, by the rule the agent counts stamps with.
  const metadata =
    sent && located.offset !== null
      ? readTxMetadata(bytes, located.offset, txMetadata.length, TXONLY_CHECKSUM_REQUEST)
      : null;
  const decoded: DecodedPacket =
    located.offset === null || (fragments?.position ?? 1) > 1
      ? { layers: [], notes: [] }
      : decodePacket(bytes, located.offset, located.length);
  const { start, end, frameEnd } = shownBytes(located, bytes.length, whole);
  // What "copy" takes: the frame as its descriptor bounds it, else as far as its headers say, else the whole chunk.
  const copyStart = located.offset ?? 0;
  const decodedEnd = Math.max(copyStart, ...decoded.layers.map((layer) => layer.end));
  const copyEnd =
    located.offset === null
      ? bytes.length
      : located.length !== null
        ? Math.min(bytes.length, copyStart + located.length)
        : decodedEnd;

  return (
    <div className="frame-view">
      {named.length > 0 && (
        <p className="violation-note" data-testid="inspector-violation">
          The ledger reports this frame: {named.map((seen) => seen.text).join('; ')}
        </p>
      )}
      <dl className="frame-facts">
        <dt>owner</dt>
        <dd data-testid="inspector-owner" title={OWNER_EXPLANATIONS[message.owner]}>
          {message.owner}
        </dd>
        <dt>chunk address</dt>
        <dd data-testid="inspector-address">{message.address}</dd>
        <dt>descriptor length</dt>
        <dd data-testid="inspector-length">{message.length ?? 'no descriptor in RX or TX now'}</dd>
        {fragments && <FragmentFacts socketId={socketId} frame={frame} fragments={fragments} />}
        <dt>frame starts at</dt>
        <dd data-testid="inspector-offset" data-offset={located.offset ?? ''}>
          {located.offset === null ? '?' : `byte ${located.offset}`} <span className="muted">({located.how})</span>
        </dd>
      </dl>
      <p className="muted owner-text">{OWNER_EXPLANATIONS[message.owner]}</p>
      <div className="decoded">
        {withRxMetadata && located.offset !== null && <RxMetadataSection bytes={bytes} offset={located.offset} />}
        {decoded.layers.map((layer) => (
          <section key={`${layer.protocol}-${layer.start}`} className={`layer layer-${layer.protocol}`}>
            <h3>{layer.title}</h3>
            <table>
              <tbody>
                {layer.fields.map((f) => (
                  <tr key={f.name}>
                    <th scope="row">{f.label}</th>
                    <td
                      data-testid={`packet-${layer.protocol}-${f.name}`}
                      className={f.checksum === 'wrong' ? 'wrong' : undefined}
                    >
                      {f.value}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
      {metadata && txMetadata && (
        <TxMetadataView
          metadata={metadata}
          swChecksum={txMetadata.swChecksum}
          back={message.owner === 'completion'}
          zeroCopy={zeroCopy}
        />
      )}
      {stampsText && (
        <p className="muted" data-testid="txmeta-stamps">
          Completion timestamps: {stampsText}.
        </p>
      )}
      {decoded.notes.length > 0 && (
        <ul className="packet-notes" data-testid="packet-notes">
          {decoded.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      <label className="row">
        <input
          type="checkbox"
          data-testid="inspector-whole"
          checked={whole}
          onChange={(event) => setWhole(event.target.checked)}
        />
        the whole chunk ({bytes.length} bytes)
      </label>
      <CopyAsHex bytes={bytes} start={copyStart} end={copyEnd} />
      <HexDump
        bytes={bytes}
        start={start}
        end={end}
        decoded={decoded}
        frameRange={located.offset === null ? null : [located.offset, frameEnd]}
        metadataRange={metadata ? [metadata.at, metadata.at + metadata.length] : null}
        changed={changed}
      />
    </div>
  );
}

/** Where the frame sits in its multi-buffer packet, and the packet's other frames one click away. */
function FragmentFacts({
  socketId,
  frame,
  fragments,
}: {
  socketId: string;
  frame: number;
  fragments: PacketFragments;
}) {
  const selectFrame = useSelection((s) => s.selectFrame);
  const { position, count, complete, ring, frames } = fragments;
  return (
    <>
      <dt>packet</dt>
      <dd data-testid="inspector-fragment">
        fragment {position} of {count}
        {complete ? '' : ' so far'} on {ring.toUpperCase()} (XDP_PKT_CONTD chains them)
        {position > 1 ? '; the headers are in the first' : ''}: frames{' '}
        {frames.map((other, index) => (
          <span key={other}>
            {index > 0 ? ' → ' : ''}
            {other === frame ? (
              <strong>{other}</strong>
            ) : (
              <button
                type="button"
                data-testid={`inspector-fragment-${index + 1}`}
                onClick={() => selectFrame(socketId, other)}
              >
                {other}
              </button>
            )}
          </span>
        ))}
      </dd>
    </>
  );
}

/** struct xsk_tx_metadata in front of the frame: what its sender asked the kernel or the device to do on the way out. */
function TxMetadataView({
  metadata,
  swChecksum,
  back,
  zeroCopy,
}: {
  metadata: TxMetadataReading;
  swChecksum: boolean;
  /** Whose clock a stamp is in: copy mode's kernel's, or the device's. */
  zeroCopy: boolean;
  /** The frame is back on COMPLETION: where a stamp was asked, the union holds the completion now. */
  back: boolean;
}) {
  const stampAsked = metadata.txTimestamp !== null;
  const requestLeft = metadata.stamped === false;
  // Back from the kernel, a stamped frame's request bytes are its tx_timestamp: the checksum read there is no request.
  const checksum = back && stampAsked && !requestLeft ? null : metadata.checksum;
  const flags = [
    ...metadata.flags,
    ...(metadata.unknownFlags ? [`0x${metadata.unknownFlags.toString(16)} (unknown)`] : []),
  ];
  return (
    <section className="layer layer-txmeta" data-testid="inspector-tx-metadata">
      <h3>
        TX metadata · {metadata.length} B in front of the frame (struct xsk_tx_metadata, bytes {metadata.at}–
        {metadata.at + metadata.length - 1})
      </h3>
      <table>
        <tbody>
          <tr>
            <th scope="row">flags</th>
            <td data-testid="txmeta-flags">{flags.length > 0 ? flags.join(' | ') : 'none'}</td>
          </tr>
          {checksum && (
            <>
              <tr>
                <th scope="row">csum_start</th>
                <td data-testid="txmeta-csum_start">{checksum.start}</td>
              </tr>
              <tr>
                <th scope="row">csum_offset</th>
                <td data-testid="txmeta-csum_offset">
                  {checksum.offset} (the checksum at byte {checksum.field} of the chunk)
                </td>
              </tr>
            </>
          )}
          {metadata.launchTime !== null && (
            <tr>
              <th scope="row">launch_time</th>
              <td data-testid="txmeta-launch_time">{String(metadata.launchTime)} ns (CLOCK_TAI)</td>
            </tr>
          )}
          {stampAsked && (
            <tr>
              <th scope="row">completion.tx_timestamp</th>
              <td data-testid="txmeta-tx_timestamp">
                {!back
                  ? 'asked for: written when the frame comes back on COMPLETION, over the checksum request'
                  : requestLeft
                    ? 'no stamp: the checksum request is still there'
                    : `${String(metadata.txTimestamp)} ns (${completionStampClock(zeroCopy)})`}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {checksum && (
        <p className="muted" data-testid="txmeta-checksum-note">
          The checksum field holds the pseudo-header sum, for{' '}
          {swChecksum
            ? 'the kernel to complete on the way out (XDP_UMEM_TX_SW_CSUM, copy mode)'
            : 'the device to complete (no XDP_UMEM_TX_SW_CSUM)'}
          : the check above judges the bytes still in the UMEM, before that.
        </p>
      )}
    </section>
  );
}

/** Puts the frame on the clipboard as a hex dump that text2pcap or Wireshark turn back into a packet. */
function CopyAsHex({ bytes, start, end }: { bytes: Uint8Array; start: number; end: number }) {
  const [said, setSaid] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(frameAsHex(bytes, start, end));
      setSaid(`copied ${end - start} bytes`);
    } catch (error) {
      // A page served over plain HTTP to another host has no clipboard: say so rather than fail quietly.
      setSaid(`the browser refused the clipboard: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return (
    <span className="row copy-hex">
      <button type="button" data-testid="inspector-copy" disabled={end <= start} onClick={copy}>
        Copy frame as hex ({end - start} bytes)
      </button>
      <span className="muted" data-testid="inspector-copied" aria-live="polite">
        {said}
      </span>
    </span>
  );
}

interface HexDumpProps {
  bytes: Uint8Array;
  start: number;
  end: number;
  decoded: DecodedPacket;
  /** The frame's bytes per its descriptor (or guess): drawn apart from the rest of the chunk. */
  frameRange: [number, number] | null;
  /** The TX metadata in front of the frame, drawn as its own area. */
  metadataRange: [number, number] | null;
  changed: ReadonlySet<number>;
}

function HexDump({ bytes, start, end, decoded, frameRange, metadataRange, changed }: HexDumpProps) {
  const rows = hexRows(bytes, start, end);
  const classFor = (at: number) => {
    const names: string[] = [];
    const layer = layerAt(decoded.layers, at);
    if (layer) names.push(`in-${layer}`);
    else if (metadataRange && at >= metadataRange[0] && at < metadataRange[1]) names.push('in-txmeta');
    else if (frameRange && at >= frameRange[0] && at < frameRange[1]) names.push('in-frame');
    if (changed.has(at)) names.push('changed');
    return names.join(' ') || undefined;
  };
  return (
    <div className="hexdump" data-testid="hexdump" data-changed={changed.size}>
      {rows.map((row) => (
        <div key={row.offset} className="hex-row" data-testid={`hex-row-${row.offset}`}>
          <span className="hex-offset">{row.offset.toString(16).padStart(4, '0')}</span>
          <span className="hex-bytes">
            {row.bytes.map((byte, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a byte's place in the chunk is what identifies it.
              <span key={row.offset + i} className={classFor(row.offset + i)}>
                {byte.toString(16).padStart(2, '0')}
              </span>
            ))}
          </span>
          <span className="hex-ascii">
            {row.bytes.map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('')}
          </span>
        </div>
      ))}
    </div>
  );
}
