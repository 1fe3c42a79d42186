/**
 * One call of an AWS SDK v3 client that the Lambda runtime provides (Node.js
 * 18 and later ship it, canaries included). The project does not depend on
 * these clients, so only what the caller reads of the answer is typed, by the
 * caller. `sdkModule` is the module as `require` returned it.
 */
export async function callRuntimeSdk(
  sdkModule: unknown,
  clientName: string,
  commandName: string,
  input: object,
): Promise<unknown> {
  const exports = sdkModule as Record<string, unknown>;
  const Client = exports[clientName] as
    | (new () => { send(command: unknown): Promise<unknown> })
    | undefined;
  const Command = exports[commandName] as (new (input: object) => unknown) | undefined;
  if (!Client || !Command)
    throw new Error(`${clientName}.${commandName} is not in the runtime's SDK`);
  return new Client().send(new Command(input));
}
