import { decodeRxMetadata, type RxMetadata, type RxMetadataAnswer } from '@ringside/shared';

/** A kfunc's answer in words: its value, or the errno it returned and what that means. */
function answered<T>(answer: RxMetadataAnswer<T>, show: (value: T) => string): string {
  if (answer.ok) return show(answer.value);
  if (answer.error === 'ENODATA') return 'none for this frame (ENODATA)';
  if (answer.error === 'EOPNOTSUPP') return 'not implemented by the driver (EOPNOTSUPP)';
  return `refused (${answer.error})`;
}

const ROWS: { field: keyof RxMetadata; label: string; show: (metadata: RxMetadata) => string }[] = [
  {
    field: 'hash',
    label: 'rx hash',
    show: ({ hash }) =>
      answered(
        hash,
        (value) =>
          `0x${value.hash.toString(16).padStart(8, '0')} (type ${value.typeBits.length > 0 ? value.typeBits.join(' | ') : 'NONE'})`,
      ),
  },
  {
    field: 'timestamp',
    label: 'rx timestamp',
    // veth gives the skb's hardware stamp: 0 when the frame has none.
    show: ({ timestamp }) =>
      answered(timestamp, (value) => (value === 0n ? '0 (the driver has no stamp for this frame)' : `${value} ns`)),
  },
  {
    field: 'vlanTag',
    label: 'VLAN tag',
    show: ({ vlanTag }) =>
      answered(
        vlanTag,
        (value) =>
          `0x${value.proto.toString(16).padStart(4, '0')} id ${value.id}, priority ${value.priority}${value.dropEligible ? ', drop eligible' : ''}`,
      ),
  },
];

/**
 * What the rx-metadata program put in front of the frame: the kernel's RX
 * metadata kfuncs' answers, read from the 32 bytes before the frame's data.
 * Shown only while the socket's interface runs rx-metadata: the bytes before
 * a frame are otherwise whatever the chunk held earlier.
 */
export function RxMetadataSection({ bytes, offset }: { bytes: Uint8Array; offset: number }) {
  const metadata = decodeRxMetadata(bytes, offset);
  if (!metadata) {
    return (
      <p className="muted" data-testid="rx-metadata-none">
        No RX metadata in front of this frame (it came before rx-metadata was attached, or the driver had no room).
      </p>
    );
  }
  return (
    <section className="layer layer-rx-metadata" data-testid="rx-metadata">
      <h3>
        RX metadata (bytes {offset - 32}–{offset - 1}, from the kernel's kfuncs)
      </h3>
      <table>
        <tbody>
          {ROWS.map((row) => (
            <tr key={row.field}>
              <th scope="row">{row.label}</th>
              <td data-testid={`rx-metadata-${row.field}`}>{row.show(metadata)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
