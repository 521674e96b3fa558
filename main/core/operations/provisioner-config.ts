/**
 * Which provisioner adds, removes and restarts this fleet's nodes, from the fleet file.
 *
 * - `local`: the reference fleet's launcher, through the control URL it writes (`control.url`).
 * - `command`: shell command templates from the fleet file's `provisioner` block, with `{id}`,
 *   `{host}`, `{port}` placeholders (see docs/fleet.md):
 *
 *   "provisioner": {
 *     "kind": "command",
 *     "add": "./add-node.sh {id} {host} {port}",
 *     "remove": "kubectl -n ws delete pod {id} --wait=true",
 *     "restart": "ssh {host} sudo systemctl restart ws-server",
 *     "timeoutMs": 120000,
 *     "adminUrl": "ws://{host}:9400",
 *     "publicUrl": "wss://{host}:{port}/ws"
 *   }
 */
import { type Placeholder, placeholdersIn, unknownPlaceholders } from './command-runner.js';

/** A validated provisioner. */
export type ProvisionerConfig =
  | { readonly kind: 'local'; readonly controlUrl: string }
  | {
      readonly kind: 'command';
      /** Command templates; null when the fleet file does not give one. */
      readonly add: string | null;
      readonly remove: string | null;
      readonly restart: string | null;
      /** How long a command may run, ms. */
      readonly timeoutMs: number;
      /** The admin URL template of an added node, e.g. "ws://{host}:9400". */
      readonly adminUrl: string | null;
      /** The public URL template of an added node, or null. */
      readonly publicUrl: string | null;
    };

/** A `command` provisioner. */
export type CommandProvisionerConfig = Extract<ProvisionerConfig, { kind: 'command' }>;

/** Default `timeoutMs` of a command provisioner: two minutes, enough for a cloud CLI. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;
/** Bounds of `provisioner.timeoutMs`. */
export const COMMAND_TIMEOUT_BOUNDS_MS = { min: 1_000, max: 3_600_000 } as const;

const COMMAND_SETTINGS = ['kind', 'add', 'remove', 'restart', 'timeoutMs', 'adminUrl', 'publicUrl'] as const;
/** Values the URL templates are tried with, to check that they make a URL. */
const SAMPLE_VALUES: Readonly<Record<Placeholder, string>> = {
  id: 'node-1',
  host: 'host.example',
  port: '8080',
};

/** The placeholders an add asks the operator for: always the id (optional), then host and port as used. */
export function addFieldsOf(config: CommandProvisionerConfig): Placeholder[] {
  const used = new Set(
    [config.add, config.adminUrl, config.publicUrl].flatMap((template) =>
      template === null ? [] : placeholdersIn(template),
    ),
  );
  return ['id', ...(['host', 'port'] as const).filter((name) => used.has(name))];
}

function parseTemplate(
  block: Record<string, unknown>,
  key: 'add' | 'remove' | 'restart',
  fail: (message: string) => never,
): string | null {
  const value = block[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim().length === 0) {
    fail(`provisioner.${key} must be a shell command, e.g. "kubectl -n ws delete pod {id}"`);
  }
  checkPlaceholders(value as string, `provisioner.${key}`, fail);
  return value as string;
}

function checkPlaceholders(template: string, where: string, fail: (message: string) => never): void {
  const unknown = unknownPlaceholders(template);
  if (unknown.length > 0) {
    fail(
      `${where} uses {${unknown[0]}}, which is not a placeholder; the placeholders are {id}, {host}, {port}`,
    );
  }
}

function parseUrlTemplate(
  block: Record<string, unknown>,
  key: 'adminUrl' | 'publicUrl',
  fail: (message: string) => never,
): string | null {
  const value = block[key];
  if (value === undefined || value === null) return null;
  const example = key === 'adminUrl' ? '"ws://{host}:9400"' : '"wss://{host}:{port}/ws"';
  if (typeof value !== 'string') fail(`provisioner.${key} must be a URL template, e.g. ${example}`);
  const template = value as string;
  checkPlaceholders(template, `provisioner.${key}`, fail);
  let url: URL | null = null;
  try {
    url = new URL(template.replace(/\{(id|host|port)\}/g, (_, name: Placeholder) => SAMPLE_VALUES[name]));
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'ws:' && url.protocol !== 'wss:')) {
    fail(`provisioner.${key} must be a ws:// or wss:// URL template, e.g. ${example}`);
  }
  return template;
}

function parseCommandBlock(block: Record<string, unknown>, fail: (message: string) => never) {
  for (const key of Object.keys(block)) {
    if (!(COMMAND_SETTINGS as readonly string[]).includes(key)) {
      fail(`provisioner.${key} is not a setting; the settings are ${COMMAND_SETTINGS.join(', ')}`);
    }
  }
  const add = parseTemplate(block, 'add', fail);
  const remove = parseTemplate(block, 'remove', fail);
  const restart = parseTemplate(block, 'restart', fail);
  if (add === null && remove === null && restart === null) {
    fail('provisioner needs at least one of "add", "remove" and "restart"');
  }
  const { timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS } = block;
  const { min, max } = COMMAND_TIMEOUT_BOUNDS_MS;
  if (
    typeof timeoutMs !== 'number' ||
    !Number.isSafeInteger(timeoutMs) ||
    timeoutMs < min ||
    timeoutMs > max
  ) {
    fail(`provisioner.timeoutMs must be a whole number of milliseconds from ${min} to ${max}`);
  }
  return {
    kind: 'command' as const,
    add,
    remove,
    restart,
    timeoutMs: timeoutMs as number,
    adminUrl: parseUrlTemplate(block, 'adminUrl', fail),
    publicUrl: parseUrlTemplate(block, 'publicUrl', fail),
  };
}

function controlUrl(control: unknown, fail: (message: string) => never): string | null {
  if (control === undefined) return null;
  const url = (control as { url?: unknown } | null)?.url;
  if (typeof control !== 'object' || control === null || typeof url !== 'string') {
    fail('"control.url" must be the launcher\'s control URL');
  }
  try {
    const parsed = new URL(url as string);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    fail('"control.url" must be an http:// URL, e.g. "http://127.0.0.1:35429"');
  }
  return url as string;
}

/** Validates the provisioner parts of a fleet file: `provisioner`, else the launcher's `control`. */
export function parseProvisioner(
  file: { readonly provisioner?: unknown; readonly control?: unknown },
  fail: (message: string) => never,
): ProvisionerConfig | null {
  const control = controlUrl(file.control, fail);
  const block = file.provisioner;
  if (block === undefined || block === null) {
    return control === null ? null : { kind: 'local', controlUrl: control };
  }
  if (typeof block !== 'object' || Array.isArray(block)) {
    fail('"provisioner" must be an object, e.g. { "kind": "command", "add": "…", "remove": "…" }');
  }
  const settings = block as Record<string, unknown>;
  if (settings.kind === 'local') {
    const extra = Object.keys(settings).find((key) => key !== 'kind');
    if (extra !== undefined) fail(`provisioner.${extra} is not a setting of the local provisioner`);
    if (control === null) {
      fail('the local provisioner needs the launcher\'s "control.url" (written by npm run fleet)');
    }
    return { kind: 'local', controlUrl: control as string };
  }
  if (settings.kind !== 'command') fail('provisioner.kind must be "command" or "local"');
  return parseCommandBlock(settings, fail);
}
