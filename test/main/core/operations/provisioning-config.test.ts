/** The fleet file's provisioner block: the `command` templates, their checks and defaults, and `local`. */
import { describe, expect, it } from 'vitest';
import { parseFleetFile } from '../../../../main/core/fleet-file.js';
import {
  addFieldsOf,
  type CommandProvisionerConfig,
} from '../../../../main/core/operations/provisioner-config.js';

const base = {
  name: 'prod',
  tokens: { operate: 'operate-token-0123456789' },
  nodes: [{ id: 'ws-0', admin: 'ws://10.0.0.5:9400' }],
};

const parse = (extra: Record<string, unknown>) =>
  parseFleetFile({ ...base, ...extra }, 'fleet.json').provisioner;

describe('the provisioner block', () => {
  it('is null without a provisioner or a launcher control URL', () => {
    expect(parse({})).toBeNull();
  });

  it('is the local launcher when the file has its control URL', () => {
    expect(parse({ control: { url: 'http://127.0.0.1:35429' } })).toEqual({
      kind: 'local',
      controlUrl: 'http://127.0.0.1:35429',
    });
    expect(parse({ control: { url: 'http://127.0.0.1:1' }, provisioner: { kind: 'local' } })).toEqual({
      kind: 'local',
      controlUrl: 'http://127.0.0.1:1',
    });
  });

  it('takes command templates with defaults for what is left out', () => {
    expect(
      parse({
        provisioner: {
          kind: 'command',
          add: 'kubectl -n ws scale statefulset/ws --replicas={port}',
          remove: 'kubectl -n ws delete pod {id}',
        },
      }),
    ).toEqual({
      kind: 'command',
      add: 'kubectl -n ws scale statefulset/ws --replicas={port}',
      remove: 'kubectl -n ws delete pod {id}',
      restart: null,
      timeoutMs: 120_000,
      adminUrl: null,
      publicUrl: null,
    });
  });

  it('keeps every setting given, and wins over the launcher control URL', () => {
    const provisioner = {
      kind: 'command',
      add: './add-node.sh {id} {host}',
      remove: './remove-node.sh {id}',
      restart: 'ssh {host} systemctl restart ws',
      timeoutMs: 30_000,
      adminUrl: 'ws://{host}:9400',
      publicUrl: 'wss://{host}:{port}/ws',
    };
    expect(parse({ provisioner, control: { url: 'http://127.0.0.1:2' } })).toEqual(provisioner);
  });

  it.each([
    [[], '"provisioner" must be an object, e.g. { "kind": "command", "add": "…", "remove": "…" }'],
    [{ kind: 'kubernetes' }, 'provisioner.kind must be "command" or "local"'],
    [{ kind: 'command' }, 'provisioner needs at least one of "add", "remove" and "restart"'],
    [
      { kind: 'command', add: 'x', command: 'y' },
      'provisioner.command is not a setting; the settings are kind, add, remove, restart, timeoutMs, adminUrl, publicUrl',
    ],
    [
      { kind: 'command', add: '  ' },
      'provisioner.add must be a shell command, e.g. "kubectl -n ws delete pod {id}"',
    ],
    [
      { kind: 'command', remove: 'kubectl delete pod {node}' },
      'provisioner.remove uses {node}, which is not a placeholder; the placeholders are {id}, {host}, {port}',
    ],
    [
      { kind: 'command', add: 'x', timeoutMs: 500 },
      'provisioner.timeoutMs must be a whole number of milliseconds from 1000 to 3600000',
    ],
    [
      { kind: 'command', add: 'x', timeoutMs: '2m' },
      'provisioner.timeoutMs must be a whole number of milliseconds from 1000 to 3600000',
    ],
    [
      { kind: 'command', add: 'x', adminUrl: 'http://{host}:9400' },
      'provisioner.adminUrl must be a ws:// or wss:// URL template, e.g. "ws://{host}:9400"',
    ],
    [
      { kind: 'command', add: 'x', publicUrl: 'ws://{hostname}/ws' },
      'provisioner.publicUrl uses {hostname}, which is not a placeholder; the placeholders are {id}, {host}, {port}',
    ],
    [
      { kind: 'local' },
      'the local provisioner needs the launcher\'s "control.url" (written by npm run fleet)',
    ],
  ])('refuses %j with a message that says what is wrong', (provisioner, message) => {
    expect(() => parse({ provisioner })).toThrow(`fleet.json: ${message}`);
  });

  it('refuses a control URL that is not http', () => {
    expect(() => parse({ control: { url: 'ws://127.0.0.1:1' } })).toThrow(
      'fleet.json: "control.url" must be an http:// URL, e.g. "http://127.0.0.1:35429"',
    );
  });
});

describe('addFieldsOf', () => {
  const config = (templates: Partial<CommandProvisionerConfig>): CommandProvisionerConfig => ({
    kind: 'command',
    add: null,
    remove: null,
    restart: null,
    timeoutMs: 120_000,
    adminUrl: null,
    publicUrl: null,
    ...templates,
  });

  it('asks for the id, then the host and port the add templates use', () => {
    expect(addFieldsOf(config({ add: 'aws ec2 run-instances --tag {id}' }))).toEqual(['id']);
    expect(addFieldsOf(config({ add: './start {port}', adminUrl: 'ws://{host}:9400' }))).toEqual([
      'id',
      'host',
      'port',
    ]);
    // The remove and restart templates do not ask anything at add time.
    expect(addFieldsOf(config({ add: 'x', remove: 'ssh {host} stop' }))).toEqual(['id']);
  });
});
