import { useMemo } from 'react';
import { useSelection } from '../selection.ts';
import { useRingside } from '../store.ts';
import { qrGeometry } from '../viz/qr-code.ts';
import './audience.css';

const NO_URLS: readonly string[] = [];

/**
 * In presenter mode, where a room can join: the view-only URLs the agent
 * named in its hello, and a QR code of the first for phones and laptops to
 * scan off the projector. An agent on loopback alone names only its own.
 */
export function AudienceUrls() {
  const presenter = useSelection((s) => s.presenter);
  const urls = useRingside((s) => s.hello?.audienceUrls ?? NO_URLS);
  const [first] = urls;
  if (!presenter || first === undefined) return null;
  return (
    <section className="panel audience" data-testid="audience">
      <h2>Watch along (view only)</h2>
      <AudienceQr url={first} />
      <ul className="audience-urls">
        {urls.map((url) => (
          <li key={url}>
            <a href={url} data-testid="audience-url">
              {url}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Built only while shown: outside presenter mode the page encodes nothing. */
function AudienceQr({ url }: { url: string }) {
  const qr = useMemo(() => qrGeometry(url), [url]);
  return (
    <svg
      className="audience-qr"
      data-testid="audience-qr"
      role="img"
      aria-label={`QR code of ${url}`}
      viewBox={`0 0 ${qr.extent} ${qr.extent}`}
      shapeRendering="crispEdges"
    >
      <rect width={qr.extent} height={qr.extent} fill="#fff" />
      <path d={qr.path} fill="#000" />
    </svg>
  );
}
