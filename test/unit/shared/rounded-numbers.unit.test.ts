import { roundsToAnotherInteger } from "../../../functions/shared/http/rounded-numbers";

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
    "-9007199254740993",
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
    "123456789012345",
    "9007199254740991",
    // Not integers once parsed: the schemas refuse them as they are.
    "0.5",
    "19.99",
    "1e400",
  ])("leaves %s alone", (literal) => {
    expect(roundsToAnotherInteger(literal)).toBe(false);
  });
});
