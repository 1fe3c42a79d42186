import {
  findRoundedNumbers,
  roundsToAnotherInteger,
} from "../../../functions/shared/http/rounded-numbers";

describe("roundsToAnotherInteger", () => {
  it.each([
    "0.99999999999999999",
    "1000000000000.0000000001",
    "4.0000000000000001",
    "1.0000000000000001",
    "-2.00000000000000001",
    "9007199254740993",
    "1e-400",
    "0.5e-330",
    "12345678901234567890123",
  ])("flags %s, which JSON.parse rounds to an integer it is not", (literal) => {
    expect(roundsToAnotherInteger(literal)).toBe(true);
  });

  it.each([
    "0",
    "-0",
    "0.0e10",
    "1",
    "1e3",
    "1E+3",
    "1.0",
    "2.50e2",
    "1000000000000",
    "9007199254740992",
    "1e22",
    "100e-2",
    "-7",
    // Not integers once parsed: the schemas refuse them as they are.
    "0.5",
    "19.99",
    "1e400",
  ])("leaves %s alone", (literal) => {
    expect(roundsToAnotherInteger(literal)).toBe(false);
  });
});

describe("findRoundedNumbers", () => {
  it("names the path of each rounded number, nested in objects and arrays", () => {
    const text =
      '{"a":1.0,"items":[{"q":1},{"q":2.00000000000000001,"x":[0,0.99999999999999999]}],"k\\"ey":4.0000000000000001}';

    expect(findRoundedNumbers(text)).toEqual([
      { path: "items.1.q", literal: "2.00000000000000001" },
      { path: "items.1.x.1", literal: "0.99999999999999999" },
      { path: 'k"ey', literal: "4.0000000000000001" },
    ]);
  });

  it("ignores digits inside strings and keys", () => {
    const text = '{"0.99999999999999999":"1.0000000000000001","n":"9007199254740993"}';

    expect(findRoundedNumbers(text)).toEqual([]);
  });

  it("finds a rounded top-level number", () => {
    expect(findRoundedNumbers(" 0.99999999999999999 ")).toEqual([
      { path: "", literal: "0.99999999999999999" },
    ]);
  });
});
