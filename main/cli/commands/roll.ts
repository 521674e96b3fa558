/**
 * `fleetdeck roll --fleet FILE (--nodes a,b,c | --all) [--concurrency N] [--deadline-ms N]
 *  [--min-active N] [--wait] [--json]`
 *
 * A rolling drain runs inside the process that started it (here, or the console), so:
 * - without `--wait` it prints the plan (order, batches, the fewest active nodes kept) and
 *   changes nothing: a dry run;
 * - with `--wait` it runs the roll, prints a line per step change, and exits 0 only when every
 *   node was rolled. Ctrl-C aborts it (the node being drained is undrained; a node restarting
 *   is waited for), a second Ctrl-C leaves at once. Exit 1 when it was aborted, stopped by the
 *   fleet's health or failed; 3 when a node is unreachable; 4 for a read-only token.
 */
import { integerArg, type ParsedArgs } from '../../../fleet/args.js';
import type { RollPlan, RollStep } from '../../common/models.js';
import { FINAL_ROLL_STATES, FINISHED_PHASES, previewRoll, rollProgress } from '../../common/roll-plan.js';
import type { ConsoleService } from '../../core/console-service.js';
import { DEADLINE_BOUNDS_MS } from '../../core/operations/args.js';
import { CommandError, EXIT, exitCodeOf, progressLine, requireFleet, withFleet } from '../operate.js';

/** Flags of `roll`. */
export const ROLL_FLAGS = {
  valued: ['fleet', 'nodes', 'concurrency', 'deadline-ms', 'min-active'],
  switches: ['all', 'wait', 'json'],
} as const;

/** Each node's drain deadline when none is given, ms. */
export const DEFAULT_ROLL_DEADLINE_MS = 30_000;
/** How often `--wait` looks at the plan, ms. */
const FOLLOW_EVERY_MS = 250;

/** The nodes named by `--nodes a,b,c`, or null for `--all`; a usage error for neither or both. */
export function rollNodesOf(args: ParsedArgs, usage: (message: string) => Error): string[] | null {
  const listed = args.values.get('nodes');
  const all = args.switches.has('all');
  if (listed !== undefined && all) throw usage('give --nodes a,b,c or --all, not both');
  if (all) return null;
  if (listed === undefined) throw usage('name the nodes to roll with --nodes a,b,c, or --all');
  const ids = listed
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  if (ids.length === 0) throw usage('--nodes needs at least one node id');
  if (new Set(ids).size !== ids.length) throw usage('--nodes names a node twice');
  return ids;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One line about a step: where it is and for how long. */
export function stepLine(step: RollStep, now: number): string {
  const since = step.startedAt === null ? '' : ` ${seconds((step.endedAt ?? now) - step.startedAt)}`;
  const halted = step.endedAt !== null && !FINISHED_PHASES.has(step.phase) ? ' (halted)' : '';
  return `${step.nodeId}: ${step.phase}${halted}${since}${step.message ? ` · ${step.message}` : ''}`;
}

/** The live line: the roll's state, how far it is, and the steps under way. */
export function rollLine(plan: RollPlan, service: ConsoleService, now: number): string {
  const { finished, total } = rollProgress(plan);
  const under = plan.steps
    .filter((step) => step.startedAt !== null && step.endedAt === null)
    .map((step) => {
      const open = step.phase === 'draining' ? service.store.view(step.nodeId)?.connections?.open : undefined;
      return `${step.nodeId} ${step.phase}${open === undefined ? '' : ` (${open} left)`}`;
    });
  const waiting = plan.steps.find((step) => step.phase === 'pending' && step.message !== null)?.message;
  return [
    `roll ${plan.state} ${finished}/${total}`,
    ...under,
    ...(under.length === 0 && waiting ? [waiting] : []),
    seconds(now - plan.startedAt),
  ].join(' · ');
}

/** The plan as the dry run and the end print it. */
export function planText(plan: Pick<RollPlan, 'steps' | 'minActive' | 'concurrency' | 'deadlineMs'>): string {
  return [
    `${plan.steps.length} node${plan.steps.length === 1 ? '' : 's'}, ${plan.concurrency} at a time, drain deadline ${seconds(plan.deadlineMs)}, at least ${plan.minActive} active`,
    ...plan.steps.map((step, index) => `  ${index + 1}. ${stepLine(step, Date.now())}`),
  ].join('\n');
}

/** Runs the roll to its end, one line per step change; the first Ctrl-C aborts it. */
async function follow(service: ConsoleService, started: RollPlan, json: boolean): Promise<RollPlan> {
  const rolling = service.operations.rolling;
  const line = progressLine();
  const seen = new Map<string, string>();
  let interrupted = 0;
  let leave: (() => void) | null = null;
  const onSignal = () => {
    interrupted++;
    if (interrupted === 1) {
      line.done();
      console.error('aborting the roll: undraining the node being drained (Ctrl-C again to leave now)…');
      void rolling.control(started.id, 'abort').catch(() => {});
    } else leave?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const left = new Promise<'left'>((resolve) => {
    leave = () => resolve('left');
  });
  const tick = () => {
    const plan = rolling.current();
    if (plan === null) return;
    for (const step of plan.steps) {
      const key = `${step.phase}|${step.endedAt === null}`;
      if (seen.get(step.nodeId) === key) continue;
      seen.set(step.nodeId, key);
      if (step.phase === 'pending') continue;
      // A line that stays for every step change, then the live line again.
      line.done();
      if (!json) console.error(stepLine(step, Date.now()));
    }
    if (!json) line.update(rollLine(plan, service, Date.now()));
  };
  const ticker = setInterval(tick, FOLLOW_EVERY_MS);
  try {
    const ended = await Promise.race([rolling.settled().then(() => 'ended' as const), left]);
    if (ended === 'left') {
      throw new CommandError(
        'left before the roll ended: the node being drained carries on draining (undrain it with fleetdeck undrain)',
        EXIT.failed,
      );
    }
  } finally {
    clearInterval(ticker);
    // The last changes (the last step's end) land between two ticks: show them too.
    tick();
    line.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return rolling.current() ?? started;
}

/** `fleetdeck roll`. */
export async function rollCommand(args: ParsedArgs, usage: (message: string) => Error): Promise<number> {
  const fleetFile = requireFleet(args, usage);
  const named = rollNodesOf(args, usage);
  const deadlineMs = integerArg(
    args,
    'deadline-ms',
    DEFAULT_ROLL_DEADLINE_MS,
    DEADLINE_BOUNDS_MS.min,
    DEADLINE_BOUNDS_MS.max,
  );
  const minActiveArg = args.values.has('min-active')
    ? integerArg(args, 'min-active', 0, 0, 10_000)
    : undefined;
  const wait = args.switches.has('wait');
  const json = args.switches.has('json');
  return withFleet(fleetFile, named ?? [], async (service) => {
    const views = service.store.views();
    const nodeIds = named ?? views.map((view) => view.id);
    const concurrency = integerArg(args, 'concurrency', 1, 1, Math.max(1, nodeIds.length));
    const request = {
      nodeIds,
      concurrency,
      deadlineMs,
      ...(minActiveArg === undefined ? {} : { minActive: minActiveArg }),
    };
    const preview = previewRoll(request, views);
    if (!wait) {
      const dry = {
        steps: nodeIds.map((nodeId) => ({
          nodeId,
          phase: 'pending' as const,
          startedAt: null,
          endedAt: null,
          message: null,
        })),
        minActive: preview.minActive,
        concurrency,
        deadlineMs,
      };
      if (json) console.log(JSON.stringify({ dryRun: true, ...preview }, null, 2));
      else {
        console.log(planText(dry));
        console.log(
          preview.problem === null
            ? 'dry run: nothing was changed; add --wait to run the roll (it runs inside this process)'
            : `cannot roll: ${preview.problem}`,
        );
      }
      return preview.problem === null ? EXIT.ok : EXIT.failed;
    }
    // The core refuses (read token, a plan that would go below the minimum) before it changes anything.
    const started = await service.operations.rolling.start(request);
    if (!json) console.error(`rolling ${planText(started)}`);
    const final = await follow(service, started, json);
    if (json) console.log(JSON.stringify(final, null, 2));
    else {
      console.log(planText(final));
      console.log(`roll ${final.state}${final.stopReason ? `: ${final.stopReason}` : ''}`);
    }
    if (final.state === 'done') return EXIT.ok;
    if (!FINAL_ROLL_STATES.has(final.state)) return EXIT.failed;
    // A roll refused by the agent (read token) or cut short by an unreachable node says so.
    return final.state === 'aborted' ? EXIT.failed : exitCodeOf(new Error(final.stopReason ?? ''));
  });
}
