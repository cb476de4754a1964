/**
 * What the URL keeps, so a view can be shared: the sockets shown, the views
 * open, the frame inspected in each socket, the theme and presenter mode. The token stays as it was: it is the
 * page's access, not part of the selection.
 */
export const VIEWS = ['rings', 'umem', 'counters', 'topology', 'inspector', 'controls'] as const;
export type View = (typeof VIEWS)[number];
export type Theme = 'dark' | 'light' | 'auto';

export interface Selection {
  /** Empty: every socket the agent has. */
  sockets: string[];
  views: View[];
  /** The frame the packet inspector shows, per socket id. */
  frames: Record<string, number>;
  theme: Theme;
  presenter: boolean;
}

export const DEFAULT_SELECTION: Selection = {
  sockets: [],
  views: ['rings'],
  frames: {},
  theme: 'auto',
  presenter: false,
};

const isView = (value: string): value is View => (VIEWS as readonly string[]).includes(value);

function list(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** `xsk0:12,xsk1:3`: socket ids never contain a colon (the protocol allows lower-case letters, digits, dashes). */
function readFrames(value: string | null): Record<string, number> {
  const frames: Record<string, number> = {};
  for (const item of list(value)) {
    const [socketId, frame] = item.split(':');
    const number = Number(frame);
    if (socketId && frame !== undefined && frame !== '' && Number.isInteger(number) && number >= 0)
      frames[socketId] = number;
  }
  return frames;
}

export function readSelection(search: string): Selection {
  const params = new URLSearchParams(search);
  const views = [...new Set(list(params.get('view')).filter(isView))];
  const theme = params.get('theme');
  return {
    sockets: [...new Set(list(params.get('socket')))],
    views: views.length > 0 ? VIEWS.filter((view) => views.includes(view)) : DEFAULT_SELECTION.views,
    frames: readFrames(params.get('frame')),
    theme: theme === 'dark' || theme === 'light' ? theme : 'auto',
    presenter: params.get('presenter') === '1',
  };
}

/** `search` with the selection written into it; other parameters (the token) are kept. */
export function writeSelection(search: string, selection: Selection): string {
  const params = new URLSearchParams(search);
  const set = (name: string, value: string | null) => (value === null ? params.delete(name) : params.set(name, value));
  set('socket', selection.sockets.length > 0 ? selection.sockets.join(',') : null);
  const views = VIEWS.filter((view) => selection.views.includes(view));
  set('view', views.join(',') === DEFAULT_SELECTION.views.join(',') ? null : views.join(','));
  const frames = Object.entries(selection.frames).map(([socketId, frame]) => `${socketId}:${frame}`);
  set('frame', frames.length > 0 ? frames.join(',') : null);
  set('theme', selection.theme === 'auto' ? null : selection.theme);
  set('presenter', selection.presenter ? '1' : null);
  const text = params.toString();
  return text ? `?${text}` : '';
}
