import { decodeTime } from "ulid";
import { newId } from "../../../functions/domain/primitives";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The 80 random bits of a ULID (its last 16 characters) as a number. */
function randomPart(id: string): bigint {
  return [...id.slice(10)].reduce(
    (value, char) => value * 32n + BigInt(CROCKFORD.indexOf(char)),
    0n,
  );
}

describe("newId", () => {
  it("mints ULIDs whose time part is the minting millisecond", () => {
    const before = Date.now();
    const id = newId();
    const after = Date.now();

    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(decodeTime(id)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(id)).toBeLessThanOrEqual(after);
  });

  it("orders ids of different milliseconds by time", async () => {
    const first = newId();
    await new Promise((resolve) => setTimeout(resolve, 2));
    const second = newId();

    expect(second > first).toBe(true);
  });

  it("tells nothing about another id of the same millisecond: no +1, +2 sequence", () => {
    const ids = Array.from({ length: 2_000 }, () => newId());
    const byMillisecond = new Map<number, bigint[]>();
    for (const id of ids) {
      const group = byMillisecond.get(decodeTime(id)) ?? [];
      group.push(randomPart(id));
      byMillisecond.set(decodeTime(id), group);
    }
    const sameMillisecondPairs = [...byMillisecond.values()].flatMap((group) =>
      group.slice(1).map((value, index) => value - (group[index] as bigint)),
    );

    // 2,000 ids minted in a tight loop share milliseconds by the hundred.
    expect(sameMillisecondPairs.length).toBeGreaterThan(100);
    // Independent 80-bit draws differ by less than 2^40 with odds of about 2^-39 a pair.
    const close = sameMillisecondPairs.filter((delta) => delta > -(2n ** 40n) && delta < 2n ** 40n);
    expect(close).toEqual([]);
  });
});
