/** Exhaustiveness for unions: a case left out of a switch is a compile error at the call. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
