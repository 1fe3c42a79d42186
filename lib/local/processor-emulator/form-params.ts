/**
 * A Stripe request body: `application/x-www-form-urlencoded`, nested objects
 * as `metadata[orderId]=…` and lists as `payment_method_types[0]=card`, the
 * way the official client encodes them.
 */
export class FormParams {
  private readonly values: ReadonlyMap<string, string>;

  constructor(body: string) {
    const values = new Map<string, string>();
    for (const [name, value] of new URLSearchParams(body)) values.set(name, value);
    this.values = values;
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** The entries of a nested object, e.g. `metadata` from `metadata[orderId]`. */
  nested(name: string): Record<string, string> {
    const prefix = `${name}[`;
    const nested: Record<string, string> = {};
    for (const [key, value] of this.values) {
      if (key.startsWith(prefix) && key.endsWith("]")) {
        nested[key.slice(prefix.length, -1)] = value;
      }
    }
    return nested;
  }

  /** The values of a list, e.g. `payment_method_types` from `payment_method_types[0]`. */
  list(name: string): string[] {
    return Object.values(this.nested(name));
  }

  /**
   * What makes two requests "the same parameters" for Stripe's idempotency:
   * every name and value, in a canonical order.
   */
  fingerprint(): string {
    return JSON.stringify([...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
