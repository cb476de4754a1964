import { readFileSync } from 'node:fs';

const DASHBOARD = new URL('../../docs/grafana-dashboard.json', import.meta.url);

interface DashboardJson {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string; query?: string | { query: string } }[] };
}

/** A query variable, `label_values(SELECTOR, LABEL)`: the values of LABEL on the series SELECTOR matches. */
export interface DashboardVariable {
  name: string;
  selector: string;
  label: string;
}

/**
 * docs/grafana-dashboard.json as the tests read it: every panel's queries,
 * every query variable, and a query as Grafana sends it with each of those
 * variables set to All, over a 5 s rate window (five of the tests' scrapes).
 */
export function grafanaDashboard(): {
  panels: { title: string; queries: string[] }[];
  variables: DashboardVariable[];
  withEveryValue: (query: string) => string;
} {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as DashboardJson;
  const variables = dashboard.templating.list.flatMap(({ name, query }) => {
    if (typeof query !== 'object') return [];
    const parts = /^label_values\((.+),\s*(\w+)\)$/.exec(query.query);
    if (!parts) throw new Error(`variable ${name}: '${query.query}' is not label_values(SELECTOR, LABEL)`);
    return [{ name, selector: parts[1] as string, label: parts[2] as string }];
  });
  const panels = dashboard.panels.map(({ title, targets }) => ({ title, queries: targets.map(({ expr }) => expr) }));
  const names = variables.map(({ name }) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const variable = new RegExp(`\\$(?:${names.join('|')})\\b`, 'g');
  const withEveryValue = (query: string) => query.replaceAll('$__rate_interval', '5s').replace(variable, '.*');
  return { panels, variables, withEveryValue };
}
