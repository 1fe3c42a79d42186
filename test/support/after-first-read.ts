/**
 * `target` whose first call of one of `reads` lets `meanwhile` run to its
 * end after the read and before its value is returned: a deterministic
 * interleaving (what the reader read is already stale when it acts on it),
 * for regression tests of races a model-based run found.
 */
export function afterFirstRead<T extends object>(
  target: T,
  reads: readonly (keyof T & string)[],
  meanwhile: () => Promise<unknown>,
): T {
  let done = false;
  return new Proxy(target, {
    get(object, name) {
      const value: unknown = Reflect.get(object, name);
      if (typeof value !== "function") return value;
      const method = (...args: unknown[]): unknown => value.apply(object, args);
      if (done || !reads.some((read) => read === name)) return method;
      return async (...args: unknown[]) => {
        const read = await method(...args);
        if (!done) {
          done = true;
          await meanwhile();
        }
        return read;
      };
    },
  });
}
