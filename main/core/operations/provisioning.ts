/**
 * Adding, removing and restarting nodes through the fleet's provisioner (`local`: the reference
 * fleet's launcher, through its control endpoint; `command`: command templates from the fleet
 * file). Remove always drains first, then stops, then forgets the node. Every action is audited.
 *
 * A `command` fleet's file is kept in step: an added node is appended to its `nodes` (with the
 * host and port it was added with, for its remove and restart commands), a removed one taken out,
 * each by an atomic rewrite that keeps the rest of the file as it was. The launcher keeps its
 * own file for a `local` fleet.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type AddNodeRequest,
  isSafeToStop,
  type OperationRecord,
  type ProvisionerInfo,
} from '../../common/models.js';
import type { FleetNodeConfig } from '../fleet-file.js';
import type { OperationHandle } from './audit-log.js';
import {
  type CommandResult,
  describeResult,
  fillTemplate,
  type PlaceholderValues,
  runCommand,
} from './command-runner.js';
import type { OperationsContext } from './context.js';
import type { DrainOperations } from './drain-ops.js';
import { addFieldsOf, type CommandProvisionerConfig, type ProvisionerConfig } from './provisioner-config.js';

/** Where a remove is: draining the node, stopping it, or forgetting it (fleet file). */
export type RemovePhase = 'draining' | 'stopping' | 'forgetting';

/** Provisioning of one fleet. */
export interface Provisioning {
  /** What the fleet's provisioner can do; null when the fleet file names none. */
  info(): ProvisionerInfo | null;
  /**
   * Runs the provisioner's add and links to the new node (shown `connecting`, then `active`).
   * Resolves with the finished audit record, its `nodeId` the new node's (for `local`, which
   * picks the id, only this copy has it); rejects with a readable message when it failed.
   */
  add(request: AddNodeRequest): Promise<OperationRecord>;
  /**
   * Starts a remove: drain (unless already drained), wait until empty, stop through the
   * provisioner, forget. Resolves with the running audit record once the drain has begun (a
   * refusal rejects); {@link Provisioning.finished} gives the end.
   */
  remove(nodeId: string, deadlineMs: number): Promise<OperationRecord>;
  /** Restarts a node (for a roll) and resolves when the provisioner says it is done. */
  restart(nodeId: string, parentId?: string | null): Promise<OperationRecord>;
  /** The final record of an add, remove or restart this module started; rejects for an unknown id. */
  finished(operationId: string): Promise<OperationRecord>;
  /** The phase of a remove still running, or null. */
  phase(operationId: string): RemovePhase | null;
  /** Stops the commands in flight (their operations fail, saying the console closed). */
  dispose(): void;
}

/** A drained node must be empty this long after its deadline, ms: the agent's forced closes and grace. */
const DRAIN_GRACE_MS = 30_000;
/** How long the launcher may take to start or restart a node, ms. */
const CONTROL_TIMEOUT_MS = 60_000;
/** Finished operations kept for {@link Provisioning.finished}. */
const KEEP_FINISHED = 100;

/** A readable message from anything thrown. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An operation failed: its audit record is finished, the message is for the operator. */
class ProvisioningError extends Error {}

export function createProvisioning(context: OperationsContext, drain: DrainOperations): Provisioning {
  const config: ProvisionerConfig | null = context.fleet.provisioner ?? null;
  const fleetPath = context.fleet.path ?? null;
  const aborter = new AbortController();
  /** The link settings of every node this fleet knows, to relink one whose stop failed. */
  const nodeConfigs = new Map<string, FleetNodeConfig>(context.fleet.nodes.map((node) => [node.id, node]));
  /** Operations by audit id: the final record, and a running remove's phase. */
  const outcomes = new Map<string, Promise<OperationRecord>>();
  const phases = new Map<string, RemovePhase>();
  const removing = new Set<string>();
  /** Fleet-file rewrites, one after another. */
  let fileTail: Promise<void> = Promise.resolve();
  let disposed = false;

  const remember = (id: string, outcome: Promise<OperationRecord>) => {
    outcome.catch(() => {});
    outcomes.set(id, outcome);
    if (outcomes.size > KEEP_FINISHED) {
      const oldest = outcomes.keys().next().value;
      if (oldest !== undefined && oldest !== id) outcomes.delete(oldest);
    }
  };

  const info = (): ProvisionerInfo | null => {
    if (config === null) return null;
    if (config.kind === 'local') {
      return { kind: 'local', canAdd: true, canRemove: true, canRestart: true, addFields: [] };
    }
    return {
      kind: 'command',
      canAdd: config.add !== null,
      canRemove: config.remove !== null,
      canRestart: config.restart !== null,
      addFields: addFieldsOf(config),
    };
  };

  const requireConfig = (what: 'add' | 'remove' | 'restart'): ProvisionerConfig => {
    if (disposed) throw new ProvisioningError('the console is closing');
    if (config === null) {
      throw new ProvisioningError(
        `this fleet has no provisioner to ${what} nodes with: add a "provisioner" block to its fleet file (docs/fleet.md)`,
      );
    }
    if (config.kind === 'command' && config[what] === null) {
      throw new ProvisioningError(`this fleet's provisioner has no "${what}" command`);
    }
    return config;
  };

  /** The token a new node is linked with; its absence is a refusal, as for every operation. */
  const operateToken = (what: string): string => {
    const token = context.fleet.tokens?.operate ?? null;
    if (token === null || token.length === 0) {
      throw new ProvisioningError(
        `${what} needs the operate token: the fleet file gives only the read token (set "tokens.operate")`,
      );
    }
    return token;
  };

  const finish = async (
    handle: OperationHandle,
    outcome: 'succeeded' | 'failed',
    message: string,
  ): Promise<OperationRecord> => {
    try {
      return await handle.finish(outcome, message);
    } catch (error) {
      // The action happened; a log that cannot be written must not hide its outcome.
      console.error(`fleetdeck: cannot write the audit log: ${messageOf(error)}`);
      return { ...handle.record, endedAt: Date.now(), outcome, message };
    }
  };

  // ---- the launcher's control endpoint (local) ----

  const control = async (
    controlUrl: string,
    method: 'POST' | 'DELETE',
    path: string,
    timeoutMs: number,
  ): Promise<unknown> => {
    const token = operateToken('the launcher');
    let response: Response;
    try {
      response = await fetch(`${controlUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.any([aborter.signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : messageOf(error);
      throw new ProvisioningError(
        `the fleet's launcher at ${controlUrl} is not reachable (${reason}): is npm run fleet still running?`,
      );
    }
    const body = (await response.json().catch(() => ({}))) as { error?: unknown };
    if (!response.ok) {
      const reason = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
      throw new ProvisioningError(`the launcher refused: ${reason}`);
    }
    return body;
  };

  /** A launched node from the launcher's answer, checked. */
  const launchedNode = (
    value: unknown,
  ): { id: string; admin: string; url: string | null; pid: number | null } => {
    const node = value as { id?: unknown; admin?: unknown; url?: unknown; pid?: unknown };
    if (typeof node?.id !== 'string' || !isWebSocketUrl(node.admin)) {
      throw new ProvisioningError("the launcher answered without the node's id and admin URL");
    }
    return {
      id: node.id,
      admin: node.admin as string,
      url: typeof node.url === 'string' ? node.url : null,
      pid: typeof node.pid === 'number' ? node.pid : null,
    };
  };

  // ---- shell commands (command) ----

  const run = (template: string, values: PlaceholderValues, commandConfig: CommandProvisionerConfig) => {
    const commandLine = fillTemplate(template, values);
    return runCommand(commandLine, {
      timeoutMs: commandConfig.timeoutMs,
      ...(fleetPath !== null ? { cwd: dirname(fleetPath) } : {}),
      env: Object.fromEntries(
        Object.entries(values).map(([name, value]) => [
          `FLEETDECK_NODE_${name.toUpperCase()}`,
          String(value),
        ]),
      ),
      signal: aborter.signal,
    });
  };

  const requireSuccess = (what: string, result: CommandResult, timeoutMs: number): string => {
    const summary = describeResult(what, result, timeoutMs);
    if (result.exitCode !== 0 || result.timedOut || result.aborted) throw new ProvisioningError(summary);
    return summary;
  };

  /** The placeholder values of a node in the fleet: host and port as added, else from its URLs. */
  const valuesOf = async (nodeId: string): Promise<PlaceholderValues> => {
    const entry = fleetPath === null ? null : await fleetFileEntry(fleetPath, nodeId).catch(() => null);
    const view = context.view(nodeId);
    const values: PlaceholderValues = { id: nodeId };
    const urlText = view?.publicUrl ?? view?.adminUrl ?? null;
    const url = urlText === null ? null : safeUrl(urlText);
    const host = typeof entry?.host === 'string' ? entry.host : url?.hostname.replace(/^\[|\]$/g, '');
    if (host) values.host = host;
    const publicUrl = view?.publicUrl ? safeUrl(view.publicUrl) : null;
    const port =
      typeof entry?.port === 'number'
        ? entry.port
        : publicUrl
          ? Number(publicUrl.port || defaultPort(publicUrl))
          : null;
    if (port !== null && port > 0) values.port = port;
    return values;
  };

  // ---- the fleet file (command) ----

  const editFleetFile = (edit: (file: Record<string, unknown>) => void): Promise<void> => {
    if (fleetPath === null) return Promise.resolve();
    const path = fleetPath;
    const write = fileTail.then(async () => {
      const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      const file = JSON.parse(text) as Record<string, unknown>;
      edit(file);
      // Write beside it and rename: a reader (or a crash) never sees half a file.
      const temporary = join(dirname(path), `.${randomBytes(6).toString('hex')}.fleetdeck.tmp`);
      try {
        await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: info.mode & 0o777 });
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    });
    fileTail = write.catch(() => {});
    return write;
  };

  const nextNodeId = (): string => {
    const taken = new Set(context.views().map((view) => view.id));
    let highest = 0;
    for (const id of taken) highest = Math.max(highest, Number(/^node-(\d+)$/.exec(id)?.[1] ?? 0));
    let index = highest + 1;
    while (taken.has(`node-${index}`)) index++;
    return `node-${index}`;
  };

  const link = (node: FleetNodeConfig) => {
    context.addNode(node);
    nodeConfigs.set(node.id, node);
  };

  // ---- add ----

  const addWithCommand = async (
    commandConfig: CommandProvisionerConfig,
    request: AddNodeRequest,
    id: string,
    token: string,
    handle: OperationHandle,
  ): Promise<OperationRecord> => {
    const values: PlaceholderValues = {
      id,
      ...(request.host !== undefined ? { host: request.host } : {}),
      ...(request.port !== undefined ? { port: request.port } : {}),
    };
    const result = await run(commandConfig.add as string, values, commandConfig);
    const summary = requireSuccess('the add command', result, commandConfig.timeoutMs);
    const reported = lastJsonObject(result.stdout);
    const adminUrl =
      commandConfig.adminUrl !== null
        ? fillTemplate(commandConfig.adminUrl, values, (value) => value)
        : typeof reported?.admin === 'string'
          ? reported.admin
          : null;
    if (!isWebSocketUrl(adminUrl)) {
      throw new ProvisioningError(
        `${summary}, but the console cannot reach the new node: set provisioner.adminUrl (e.g. "ws://{host}:9400") or have the command print {"admin": "ws://…"} as its last line`,
      );
    }
    const publicUrl =
      commandConfig.publicUrl !== null
        ? fillTemplate(commandConfig.publicUrl, values, (value) => value)
        : typeof reported?.url === 'string'
          ? reported.url
          : null;
    link({ id, adminUrl, publicUrl, token });
    try {
      await editFleetFile((file) => {
        const nodes = Array.isArray(file.nodes) ? (file.nodes as unknown[]) : [];
        nodes.push({
          id,
          admin: adminUrl,
          ...(publicUrl !== null ? { url: publicUrl } : {}),
          ...(request.host !== undefined ? { host: request.host } : {}),
          ...(request.port !== undefined ? { port: request.port } : {}),
        });
        file.nodes = nodes;
      });
    } catch (error) {
      return finish(
        handle,
        'failed',
        `added ${id} (${adminUrl}), but could not write it to the fleet file ${fleetPath}: ${messageOf(error)}`,
      );
    }
    return finish(handle, 'succeeded', `added ${id} (${adminUrl}); ${summary}`);
  };

  const add = async (request: AddNodeRequest): Promise<OperationRecord> => {
    const provisioner = requireConfig('add');
    const token = operateToken('adding a node');
    let id: string | null = null;
    if (provisioner.kind === 'local') {
      if (request.id !== undefined || request.host !== undefined || request.port !== undefined) {
        throw new ProvisioningError(
          "the local launcher picks the new node's id, host and port itself: give none",
        );
      }
    } else {
      id = request.id ?? nextNodeId();
      if (context.view(id) !== null) throw new ProvisioningError(`the fleet already has a node "${id}"`);
      for (const field of addFieldsOf(provisioner)) {
        if (field !== 'id' && request[field] === undefined) {
          throw new ProvisioningError(`this provisioner needs the new node's ${field} to add it`);
        }
      }
    }
    const handle = await context.audit.start({
      action: 'add',
      nodeId: id,
      args: { ...request, provisioner: provisioner.kind },
      source: context.source,
      fleet: context.fleet.name,
    });
    const work = (async () => {
      try {
        if (provisioner.kind === 'command') {
          return await addWithCommand(provisioner, request, id as string, token, handle);
        }
        const node = launchedNode(
          await control(provisioner.controlUrl, 'POST', '/nodes', CONTROL_TIMEOUT_MS),
        );
        link({ id: node.id, adminUrl: node.admin, publicUrl: node.url, token });
        const record = await finish(
          handle,
          'succeeded',
          `added ${node.id} (${node.admin}, pid ${node.pid ?? 'unknown'}) through the launcher`,
        );
        // The launcher picks the id; the log's line has it in its message, the caller gets it here.
        return { ...record, nodeId: node.id };
      } catch (error) {
        const record = await finish(handle, 'failed', messageOf(error));
        throw new ProvisioningError(record.message ?? 'the add failed');
      }
    })();
    remember(handle.record.id, work);
    return work;
  };

  // ---- remove ----

  const stopNode = async (
    provisioner: ProvisionerConfig,
    nodeId: string,
    values: PlaceholderValues,
    deadlineMs: number,
  ) => {
    if (provisioner.kind === 'local') {
      // The launcher drains too (a no-op now: the node is drained), takes it out of the balancer and stops it.
      await control(
        provisioner.controlUrl,
        'DELETE',
        `/nodes/${encodeURIComponent(nodeId)}?deadlineMs=${deadlineMs}`,
        deadlineMs + CONTROL_TIMEOUT_MS,
      );
      return 'stopped through the launcher';
    }
    const result = await run(provisioner.remove as string, values, provisioner);
    return requireSuccess('the remove command', result, provisioner.timeoutMs);
  };

  const finishRemove = async (
    provisioner: ProvisionerConfig,
    nodeId: string,
    deadlineMs: number,
    handle: OperationHandle,
  ): Promise<OperationRecord> => {
    const id = handle.record.id;
    try {
      const now = context.view(nodeId);
      if (now === null || !isSafeToStop(now)) {
        try {
          await drain.waitDrained(nodeId, deadlineMs + DRAIN_GRACE_MS);
        } catch (error) {
          throw new ProvisioningError(`${nodeId} did not drain, so it was not stopped: ${messageOf(error)}`);
        }
      }
      phases.set(id, 'stopping');
      const values = await valuesOf(nodeId);
      const view = context.view(nodeId);
      const config =
        nodeConfigs.get(nodeId) ?? (view ? fallbackConfig(view.id, view.adminUrl, view.publicUrl) : null);
      // Forget the link before stopping: an intended stop must not raise an "unreachable" alert.
      context.removeNode(nodeId);
      let summary: string;
      try {
        summary = await stopNode(provisioner, nodeId, values, deadlineMs);
      } catch (error) {
        // Still running (as far as we know): show it again.
        if (config !== null && !disposed) {
          try {
            context.addNode(config);
          } catch {
            // Linked again meanwhile.
          }
        }
        throw new ProvisioningError(`${nodeId} is drained but was not stopped: ${messageOf(error)}`);
      }
      phases.set(id, 'forgetting');
      nodeConfigs.delete(nodeId);
      if (provisioner.kind === 'command') {
        try {
          await editFleetFile((file) => {
            if (Array.isArray(file.nodes)) {
              file.nodes = (file.nodes as Array<{ id?: unknown }>).filter((node) => node?.id !== nodeId);
            }
          });
        } catch (error) {
          return await finish(
            handle,
            'failed',
            `${nodeId} was drained and stopped, but could not be taken out of the fleet file ${fleetPath}: ${messageOf(error)}`,
          );
        }
      }
      return await finish(handle, 'succeeded', `${nodeId} was drained, stopped and removed; ${summary}`);
    } catch (error) {
      return finish(handle, 'failed', messageOf(error));
    } finally {
      phases.delete(id);
      removing.delete(nodeId);
    }
  };

  const remove = async (nodeId: string, deadlineMs: number): Promise<OperationRecord> => {
    const provisioner = requireConfig('remove');
    const view = context.view(nodeId);
    if (view === null) throw new ProvisioningError(`no node "${nodeId}" in this fleet`);
    if (removing.has(nodeId)) throw new ProvisioningError(`${nodeId} is already being removed`);
    const tokens = context.fleet.tokens;
    if (tokens !== undefined && tokens.operate === null && nodeConfigs.get(nodeId)?.token === tokens.read) {
      throw new ProvisioningError(
        `removing ${nodeId} needs the operate token: the fleet file gives only the read token (set "tokens.operate")`,
      );
    }
    if (view.status === 'unreachable' || view.status === 'connecting') {
      throw new ProvisioningError(
        `${nodeId} is ${view.status === 'unreachable' ? 'unreachable' : 'not linked yet'}: it must be drained before it is removed, and it cannot be drained now`,
      );
    }
    removing.add(nodeId);
    let handle: OperationHandle;
    try {
      handle = await context.audit.start({
        action: 'remove',
        nodeId,
        args: { deadlineMs, provisioner: provisioner.kind },
        source: context.source,
        fleet: context.fleet.name,
      });
    } catch (error) {
      removing.delete(nodeId);
      throw error;
    }
    phases.set(handle.record.id, 'draining');
    if (!isSafeToStop(view)) {
      try {
        await drain.drain(nodeId, deadlineMs, handle.record.id);
      } catch (error) {
        phases.delete(handle.record.id);
        removing.delete(nodeId);
        const record = await finish(handle, 'failed', `${nodeId} could not be drained: ${messageOf(error)}`);
        throw new ProvisioningError(record.message ?? 'the remove failed');
      }
    }
    remember(handle.record.id, finishRemove(provisioner, nodeId, deadlineMs, handle));
    return handle.record;
  };

  // ---- restart ----

  const restart = async (nodeId: string, parentId: string | null = null): Promise<OperationRecord> => {
    const provisioner = requireConfig('restart');
    const view = context.view(nodeId);
    if (view === null) throw new ProvisioningError(`no node "${nodeId}" in this fleet`);
    const handle = await context.audit.start({
      action: 'restart',
      nodeId,
      args: { provisioner: provisioner.kind },
      source: context.source,
      fleet: context.fleet.name,
      parentId,
    });
    const work = (async () => {
      try {
        if (provisioner.kind === 'local') {
          const node = launchedNode(
            await control(
              provisioner.controlUrl,
              'POST',
              `/nodes/${encodeURIComponent(nodeId)}/restart`,
              CONTROL_TIMEOUT_MS,
            ),
          );
          const current = context.view(nodeId);
          if (current !== null && current.adminUrl !== node.admin) {
            // It came back elsewhere: link to where it is now.
            const token = nodeConfigs.get(nodeId)?.token ?? operateToken('relinking a restarted node');
            context.removeNode(nodeId);
            link({ id: nodeId, adminUrl: node.admin, publicUrl: node.url, token });
          }
          return await finish(
            handle,
            'succeeded',
            `restarted ${nodeId} through the launcher (pid ${node.pid ?? 'unknown'})`,
          );
        }
        const result = await run(provisioner.restart as string, await valuesOf(nodeId), provisioner);
        const summary = requireSuccess('the restart command', result, provisioner.timeoutMs);
        // A node that comes back elsewhere (a new pod IP) says where, as an add does.
        const reported = lastJsonObject(result.stdout);
        const current = context.view(nodeId);
        if (current !== null && isWebSocketUrl(reported?.admin) && reported.admin !== current.adminUrl) {
          const adminUrl = reported.admin;
          const publicUrl = typeof reported.url === 'string' ? reported.url : current.publicUrl;
          const token = nodeConfigs.get(nodeId)?.token ?? operateToken('relinking a restarted node');
          context.removeNode(nodeId);
          link({ id: nodeId, adminUrl, publicUrl, token });
          await editFleetFile((file) => {
            if (!Array.isArray(file.nodes)) return;
            for (const node of file.nodes as Array<Record<string, unknown> | null>) {
              if (node?.id !== nodeId) continue;
              node.admin = adminUrl;
              if (publicUrl !== null) node.url = publicUrl;
            }
          });
          return await finish(handle, 'succeeded', `restarted ${nodeId}, now at ${adminUrl}; ${summary}`);
        }
        return await finish(handle, 'succeeded', `restarted ${nodeId}; ${summary}`);
      } catch (error) {
        const record = await finish(handle, 'failed', messageOf(error));
        throw new ProvisioningError(record.message ?? 'the restart failed');
      }
    })();
    remember(handle.record.id, work);
    return work;
  };

  const fallbackConfig = (id: string, adminUrl: string, publicUrl: string | null): FleetNodeConfig | null => {
    const token = context.fleet.tokens?.operate ?? context.fleet.tokens?.read ?? null;
    return token === null ? null : { id, adminUrl, publicUrl, token };
  };

  return {
    info,
    add,
    remove,
    restart,
    finished(operationId) {
      return (
        outcomes.get(operationId) ??
        Promise.reject(new Error(`no add, remove or restart "${operationId}" here`))
      );
    },
    phase: (operationId) => phases.get(operationId) ?? null,
    dispose() {
      if (disposed) return;
      disposed = true;
      aborter.abort(new Error('the console is closing'));
    },
  };
}

function isWebSocketUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const url = safeUrl(value);
  return url !== null && (url.protocol === 'ws:' || url.protocol === 'wss:');
}

function safeUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

function defaultPort(url: URL): number {
  return url.protocol === 'wss:' || url.protocol === 'https:' ? 443 : 80;
}

/** The last line of `text` that is a JSON object, or null. */
function lastJsonObject(text: string): Record<string, unknown> | null {
  const lines = text.split('\n').map((line) => line.trim());
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index] as string;
    if (!line.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return value as Record<string, unknown>;
      }
    } catch {
      // Not JSON after all: keep looking.
    }
  }
  return null;
}

/** A node's entry in the fleet file, or null. */
async function fleetFileEntry(path: string, nodeId: string): Promise<Record<string, unknown> | null> {
  const file = JSON.parse(await readFile(path, 'utf8')) as { nodes?: unknown };
  if (!Array.isArray(file.nodes)) return null;
  const entry = (file.nodes as Array<Record<string, unknown> | null>).find((node) => node?.id === nodeId);
  return entry ?? null;
}
