import { inspectJsonText } from "../../../functions/shared/http/inspect-json-text";

const MAX_DEPTH = 3;

describe("inspectJsonText: rounded number literals", () => {
  it("names the path of each rounded number, nested in objects and arrays, in document order", () => {
    const text =
      '{"a":1.0,"items":[{"q":1},{"q":2.00000000000000001,"x":[0,0.99999999999999999]}],"k\\"ey":4.0000000000000001}';

    expect(inspectJsonText(text, 32)).toEqual({
      roundedNumbers: [
        { path: "items.1.q", literal: "2.00000000000000001" },
        { path: "items.1.x.1", literal: "0.99999999999999999" },
        { path: 'k"ey', literal: "4.0000000000000001" },
      ],
    });
  });

  it("ignores digits inside strings and names, escaped quotes included", () => {
    const text =
      '{"0.99999999999999999":"1.0000000000000001","n":"9007199254740993","s":"\\\\\\"1.00000000000000001","A1E":"3E"}';

    expect(inspectJsonText(text, 32)).toEqual({ roundedNumbers: [] });
  });

  it("finds a rounded top-level number, and none in true, false or null", () => {
    expect(inspectJsonText(" 0.99999999999999999 ", 32)).toEqual({
      roundedNumbers: [{ path: "", literal: "0.99999999999999999" }],
    });
    expect(inspectJsonText("[true,false,null,-1e3]", 32)).toEqual({ roundedNumbers: [] });
  });
});

describe("inspectJsonText: nesting", () => {
  it(`allows ${MAX_DEPTH} levels and reports the path of the first container deeper than that`, () => {
    expect(inspectJsonText('[{"a":[1]}]', MAX_DEPTH)).toEqual({ roundedNumbers: [] });
    expect(inspectJsonText('[1,{"a":[[{"b":{}}]],"c":[[[]]]}]', MAX_DEPTH)).toEqual({
      tooDeepAt: "1.a.0",
      roundedNumbers: [],
    });
  });

  it("scans 30,000 levels (the 64 KiB limit allows about as many) without overflowing the stack", () => {
    const depth = 30_000;
    const text = `${'{"a":['.repeat(depth)}"A1E"${"]}".repeat(depth)}`;

    const report = inspectJsonText(text, MAX_DEPTH);

    expect(report.tooDeepAt).toBe("a.0.a");
    expect(report.repeatedName).toBeUndefined();
  });

  it("leaves out the rounded literals of a body too deep: it is refused for its depth", () => {
    expect(inspectJsonText("[[[[1.00000000000000001]]],2.00000000000000001]", MAX_DEPTH)).toEqual({
      tooDeepAt: "0.0.0",
      roundedNumbers: [{ path: "1", literal: "2.00000000000000001" }],
    });
  });
});

describe("inspectJsonText: repeated member names", () => {
  it.each([
    ['{"a":1,"a":1}', "", "a"],
    ['{"a":1,"\\u0061":2}', "", "a"],
    ['{"":1,"":2}', "", ""],
    ['{"x":[{"k":1},{"k":2,"j":{},"k":3}]}', "x.1", "k"],
    ['{"x":{"y":1},"x":{"y":1}}', "", "x"],
  ])("reports %s: the object's path and the name", (text, path, name) => {
    expect(inspectJsonText(text, MAX_DEPTH)).toMatchObject({ repeatedName: { path, name } });
  });

  it("reports a repeated name even past the depth limit: the body is malformed first", () => {
    const text = `${"[".repeat(10)}{"k":1,"k":2}${"]".repeat(10)}`;

    expect(inspectJsonText(text, MAX_DEPTH).repeatedName).toEqual({
      path: "0.0.0.0.0.0.0.0.0.0",
      name: "k",
    });
  });

  it.each([
    '{"a":"a","b":"a"}',
    '[{"a":1},{"a":2}]',
    '{"a":{"a":{"a":1}}}',
    '{"a":1,"A":2,"a ":3,"\\u00e9":4,"e\\u0301":5}',
    '{"k":["k","k"],"l":"k"}',
  ])("finds no repeated name in %s", (text) => {
    expect(inspectJsonText(text, MAX_DEPTH).repeatedName).toBeUndefined();
  });
});
