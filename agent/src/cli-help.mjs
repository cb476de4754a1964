// @ts-check
// The command line as data, in plain JavaScript with no imports: the launcher
// (agent/scripts/ringside.mjs) answers --help and --version from it before
// anything is installed, and the CLI prints the same text. The defaults of the
// log levels and command rate are the agent's own constants, restated here
// because their modules need installed packages; cli-help.test.ts proves they
// agree.

/**
 * @typedef {object} Option
 * @property {string} name without the leading dashes
 * @property {'string' | 'boolean'} type as node:util's parseArgs takes it
 * @property {string} [value] the placeholder shown after the name
 * @property {string[]} lines what it does, one help line each
 */

/** Where the tokens are kept unless --token-file says otherwise: the CLI's and the launcher's `urls` default. */
export const DEFAULT_TOKEN_FILE = '/var/lib/ringside/tokens.json';

/** @type {Option[]} */
export const AGENT_OPTIONS = [
  { name: 'port', type: 'string', value: 'N', lines: ['port to serve on (default 7420; 0 picks a free one)'] },
  { name: 'host', type: 'string', value: 'ADDR', lines: ['address to serve on (default 127.0.0.1)'] },
  { name: 'allow-remote', type: 'boolean', lines: ['required to serve on an address other than loopback'] },
  {
    name: 'allowed-host',
    type: 'string',
    value: 'NAME',
    lines: [
      'a name or address an audience may open Ringside by,',
      'besides loopback and --host (repeatable; required with',
      '--host 0.0.0.0 or ::); NAME:PORT for a tunnel on another',
      'port',
    ],
  },
  { name: 'iface', type: 'string', value: 'NAME', lines: ['bind to this real interface instead of the lab (opt-in)'] },
  { name: 'queue', type: 'string', value: 'N', lines: ['queue of --iface to bind to (default 0)'] },
  {
    name: 'workload',
    type: 'string',
    value: 'NAME',
    lines: [
      "what Ringside's socket runs: rxdrop, txonly or l2fwd",
      '(default rxdrop in the lab; required with --iface: any of',
      'them takes the frames of its queue from the kernel stack)',
    ],
  },
  {
    name: 'lab-queues',
    type: 'string',
    value: 'N',
    lines: [
      "queues of the lab's veth pair (default 2: enough to show",
      'sharing a UMEM across queues and the wrong-queue pitfall)',
    ],
  },
  {
    name: 'lab-mtu',
    type: 'string',
    value: 'N',
    lines: [
      "MTU of the lab's veth pair, 68 to 65521 (default 1500); above",
      'a page the XDP programs load their multi-buffer (xdp.frags)',
      'variant, and above 2034 the lab sends frames up to the MTU',
      'as multi-buffer chains (XDP_USE_SG)',
    ],
  },
  {
    name: 'attach',
    type: 'string',
    value: '[PID]',
    lines: [
      'no lab: list every AF_XDP socket on the host and watch them all,',
      "read-only, as they appear (or only process PID's)",
    ],
  },
  {
    name: 'record',
    type: 'string',
    value: 'FILE',
    lines: [
      'record what a view page receives to FILE as it runs, to replay',
      'with no agent (npm run build:replay makes the replay page)',
    ],
  },
  {
    name: 'record-rate',
    type: 'string',
    value: 'N',
    lines: ['snapshots a second in the recording, 1 to 60 (default 30)'],
  },
  {
    name: 'scenario',
    type: 'string',
    value: 'NAME',
    lines: [
      "run one lesson of the kernel's test catalogue once the lab is up",
      '(agent/scenarios/NAME.json) and print expected vs observed;',
      'Ringside then keeps running with the lesson on the page',
    ],
  },
  { name: 'rate', type: 'string', value: 'PPS', lines: ['lab traffic rate in frames per second (default 10000)'] },
  {
    name: 'frame-length',
    type: 'string',
    value: 'N',
    lines: ['lab frame length in bytes, 60 to 2048, or to the MTU + 14', 'with --lab-mtu above 2034 (default 128)'],
  },
  {
    name: 'token-file',
    type: 'string',
    value: 'PATH',
    lines: [`where the access tokens are kept across restarts (default ${DEFAULT_TOKEN_FILE})`],
  },
  { name: 'new-tokens', type: 'boolean', lines: ['replace the kept tokens: URLs given out before stop working'] },
  {
    name: 'max-commands-per-second',
    type: 'string',
    value: 'N',
    lines: ['messages a client may send per second (default 50)'],
  },
  {
    name: 'log-level',
    type: 'string',
    value: 'LEVEL',
    lines: ['fatal, error, warn, info, debug, trace (default info)'],
  },
  {
    name: 'log-format',
    type: 'string',
    value: 'FORMAT',
    lines: ['json or pretty (default: pretty on a terminal, json', 'otherwise)'],
  },
  {
    name: 'stop-with-pid',
    type: 'string',
    value: 'PID',
    lines: [
      'stop (cleaning up) when process PID ends: for harnesses that start',
      'Ringside and may be killed before they can stop it',
    ],
  },
  { name: 'help', type: 'boolean', lines: ['show this help'] },
  { name: 'version', type: 'boolean', lines: ["show Ringside's version"] },
];

/** Read by the set-up step (agent/scripts/setup.mjs), which `npm start` runs before the agent. */
/** @type {Option[]} */
export const SETUP_OPTIONS = [
  {
    name: 'skip-system-packages',
    type: 'boolean',
    lines: [
      'install no system packages (a machine without apt): list what to',
      'install instead and go on (or RINGSIDE_SKIP_SYSTEM_PACKAGES=1)',
    ],
  },
];

const COLUMN = 22;

/** @param {Option[]} options */
function table(options) {
  return options
    .flatMap((option) => {
      const flag = `  --${option.name}${option.value ? ` ${option.value}` : ''}`;
      const [first = '', ...rest] = option.lines;
      const head = flag.length < COLUMN ? [`${flag.padEnd(COLUMN)}${first}`] : [flag, `${' '.repeat(COLUMN)}${first}`];
      return [...head, ...rest.map((line) => `${' '.repeat(COLUMN)}${line}`)];
    })
    .join('\n');
}

export const HELP = `Ringside: watch and steer Linux AF_XDP sockets from a browser.

Usage: npm start -- [options]      start Ringside (or: ringside [options])
       npm start -- urls [--token-file PATH]
                                   print the URLs of the Ringside running now

With no --iface, Ringside builds its own lab: two network namespaces joined by
a veth pair, a traffic source on one end and Ringside's socket on the other.

Options:
${table(AGENT_OPTIONS)}

Set-up options (npm start installs what is missing before it starts Ringside):
${table(SETUP_OPTIONS)}

For tests only: with RINGSIDE_TEST_FAULTS=1 in the environment, SIGUSR2 ends
every data-plane thread as a crash would, to prove the agent restarts them.
`;
