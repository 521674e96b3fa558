/** Fails the compile when a union gains a member a switch does not handle; throws if reached anyway. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
