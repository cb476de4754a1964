/**
 * What the URL keeps, so a view can be shared: the sockets shown, the views
 * open, the theme and presenter mode. The token stays as it was: it is the
 * page's access, not part of the selection.
 */
export const VIEWS = ['rings', 'umem', 'counters', 'controls'] as const;
export type View = (typeof VIEWS)[number];
export type Theme = 'dark' | 'light' | 'auto';

export interface Selection {
  /** Empty: every socket the agent has. */
  sockets: string[];
  views: View[];
  theme: Theme;
  presenter: boolean;
}

export const DEFAULT_SELECTION: Selection = { sockets: [], views: ['rings'], theme: 'auto', presenter: false };

const isView = (value: string): value is View => (VIEWS as readonly string[]).includes(value);

function list(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export function readSelection(search: string): Selection {
  const params = new URLSearchParams(search);
  const views = [...new Set(list(params.get('view')).filter(isView))];
  const theme = params.get('theme');
  return {
    sockets: [...new Set(list(params.get('socket')))],
    views: views.length > 0 ? VIEWS.filter((view) => views.includes(view)) : DEFAULT_SELECTION.views,
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
  set('theme', selection.theme === 'auto' ? null : selection.theme);
  set('presenter', selection.presenter ? '1' : null);
  const text = params.toString();
  return text ? `?${text}` : '';
}
