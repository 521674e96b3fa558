/**
 * Which provisioner adds, removes and restarts this fleet's nodes, from the fleet file.
 *
 * - `local`: the reference fleet's launcher, through the control URL it writes (`control.url`).
 * - `command`: shell command templates from the fleet file's `provisioner` block, with `{id}`,
 *   `{host}`, `{port}` placeholders (see docs/fleet.md).
 *
 * STUB: the provisioning helper completes the `command` block.
 */

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

/** Validates the provisioner parts of a fleet file: `provisioner`, else the launcher's `control`. */
export function parseProvisioner(
  file: { readonly provisioner?: unknown; readonly control?: unknown },
  fail: (message: string) => never,
): ProvisionerConfig | null {
  if (file.provisioner !== undefined) {
    fail('"provisioner" is not supported yet');
  }
  const control = file.control as { url?: unknown } | undefined;
  if (control === undefined) return null;
  if (typeof control !== 'object' || control === null || typeof control.url !== 'string') {
    fail('"control.url" must be the launcher\'s control URL');
  }
  return { kind: 'local', controlUrl: (control as { url: string }).url };
}
