import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve, sep } from "node:path";

// The documentation cannot go stale unnoticed: every ```ts block of the
// README, of docs/*.md and of the idempotency layer's README is compiled
// against the real code, and every relative link must lead somewhere.

jest.setTimeout(60_000);

const ROOT = join(__dirname, "..", "..", "..");
/**
 * Where the snippets are written: inside the project, so that imports and
 * packages resolve (git-ignored; a dot folder, which the root tsconfig's
 * globs skip). One folder per process, so that two runs cannot meet.
 */
const SNIPPETS = join(ROOT, "test", ".snippets");
const OUT = join(SNIPPETS, String(process.pid));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

/** The Markdown files checked, relative to the root. */
function documents(): string[] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs, "functions/idempotency/README.md", "sdk/README.md"];
}

interface Fence {
  /** The Markdown file, relative to the root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The info string's first word, lower case ("" for a bare fence). */
  readonly language: string;
  readonly code: string;
}

/** Fenced code blocks (``` or ~~~, indented or not, as in list items). */
function fencesOf(file: string): Fence[] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const fences: Fence[] = [];
  for (let at = 0; at < lines.length; at += 1) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[at] ?? "");
    if (!open) continue;
    const [, indent = "", marker = "", info = ""] = open;
    const closing = new RegExp(`^\\s*${marker[0] === "`" ? "`" : "~"}{${marker.length},}\\s*$`);
    const body: string[] = [];
    let end = at + 1;
    while (end < lines.length && !closing.test(lines[end] ?? "")) {
      const text = lines[end] ?? "";
      body.push(text.startsWith(indent) ? text.slice(indent.length) : text.trimStart());
      end += 1;
    }
    if (end === lines.length) throw new Error(`${file}:${at + 1}: a code block is never closed`);
    fences.push({ file, line: at + 1, language: info.toLowerCase(), code: body.join("\n") });
    at = end;
  }
  return fences;
}

const TYPESCRIPT = new Set(["ts", "typescript"]);

interface Snippet extends Fence {
  /** The generated file's name, in OUT. */
  readonly name: string;
  /** `README.md:123`: where it is, for people. */
  readonly where: string;
}

const snippets: readonly Snippet[] = documents().flatMap((file) =>
  fencesOf(file)
    .filter((fence) => TYPESCRIPT.has(fence.language))
    .map((fence) => ({
      ...fence,
      name: `${file.replace(/[^A-Za-z0-9]+/g, "_")}_L${fence.line}.ts`,
      where: `${file}:${fence.line}`,
    })),
);

/**
 * The snippet as a module in OUT: its relative imports, written from the
 * Markdown file's folder (as a reader follows them), are rebased onto OUT.
 * Lines are kept as they are, so line N of the file is line N of the block.
 */
function moduleOf(snippet: Snippet): string {
  const from = dirname(join(ROOT, snippet.file));
  const rebased = snippet.code.replace(
    /(\bfrom\s*|\bimport\s*\(?\s*)(["'])(\.{1,2}(?:\/[^"']*)?)\2/g,
    (_match, keyword: string, quote: string, specifier: string) => {
      const target = relative(OUT, resolve(from, specifier)).split(sep).join("/");
      return `${keyword}${quote}${target.startsWith(".") ? target : `./${target}`}${quote}`;
    },
  );
  // A module even without imports, so that snippets never share a scope.
  return `${rebased}\nexport {};\n`;
}

interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** Runs the compiler once over `names` (files in OUT). */
function typeCheck(names: readonly string[]): {
  diagnostics: Diagnostic[];
  output: string;
  status: number | null;
} {
  writeFileSync(
    join(OUT, "tsconfig.json"),
    JSON.stringify({
      extends: relative(OUT, join(ROOT, "tsconfig.json")).split(sep).join("/"),
      include: [],
      files: names,
    }),
  );
  const run = spawnSync(
    process.execPath,
    [TSC, "--noEmit", "--pretty", "false", "-p", join(OUT, "tsconfig.json")],
    { cwd: ROOT, encoding: "utf8" },
  );
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}${run.error ? String(run.error) : ""}`;
  const diagnostics = [...output.matchAll(/^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/gm)].map(
    ([, file = "", line = "0", column = "0", message = ""]) => ({
      file: resolve(ROOT, file),
      line: Number(line),
      column: Number(column),
      message,
    }),
  );
  return { diagnostics, output, status: run.status };
}

/** A syntax error (TS1xxx): while one is left, the compiler checks no types at all. */
const isSyntaxError = (found: Diagnostic) => /^TS1\d{3}:/.test(found.message);

/**
 * Compiles every snippet at once. Snippets with a syntax error are then left
 * out and the rest compiled again, so that one typo cannot hide the type
 * errors of every other snippet.
 */
function compileSnippets() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  for (const snippet of snippets) writeFileSync(join(OUT, snippet.name), moduleOf(snippet));
  const names = snippets.map((snippet) => snippet.name);
  const first = typeCheck(names);
  const broken = new Set(first.diagnostics.filter(isSyntaxError).map((found) => found.file));
  if (broken.size === 0) return first;
  const rest = names.filter((name) => !broken.has(join(OUT, name)));
  const second = rest.length > 0 ? typeCheck(rest) : { diagnostics: [], output: "", status: 0 };
  return {
    diagnostics: [
      ...first.diagnostics.filter((found) => broken.has(found.file)),
      ...second.diagnostics,
    ],
    output: `${first.output}${second.output}`,
    status: first.status,
  };
}

describe("the documentation's TypeScript snippets", () => {
  let compiled: ReturnType<typeof compileSnippets>;
  beforeAll(() => {
    compiled = compileSnippets();
  });
  afterAll(() => {
    rmSync(OUT, { recursive: true, force: true });
    if (readdirSync(SNIPPETS).length === 0) rmSync(SNIPPETS, { recursive: true });
  });

  it("are found: the README's and the idempotency layer's at least", () => {
    const found = snippets.map((snippet) => snippet.where);

    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((where) => where.startsWith("README.md:"))).not.toEqual([]);
    expect(found.filter((where) => where.startsWith("functions/idempotency/"))).not.toEqual([]);
  });

  it("are all compiled, and the compiler reports nothing outside them", () => {
    const inSnippets = new Set(snippets.map((snippet) => join(OUT, snippet.name)));
    const elsewhere = compiled.diagnostics.filter((found) => !inSnippets.has(found.file));

    expect(elsewhere).toEqual([]);
    // A failure the parser did not understand (no tsc, a bad tsconfig) fails here.
    if (compiled.diagnostics.length === 0) {
      expect({ status: compiled.status, output: compiled.output }).toEqual({
        status: 0,
        output: "",
      });
    }
  });

  it.each(snippets.map((snippet) => [snippet.where, snippet] as const))(
    "%s type-checks against the code",
    (_where, snippet) => {
      const errors = compiled.diagnostics
        .filter((found) => found.file === join(OUT, snippet.name))
        .map(
          (found) =>
            `${snippet.file}:${snippet.line + found.line}:${found.column} ${found.message}`,
        );

      expect(errors).toEqual([]);
    },
  );
});

describe("the documentation's code blocks", () => {
  it("each name their language (```ts is compiled; ```text, ```sh ... are not)", () => {
    const bare = documents()
      .flatMap(fencesOf)
      .filter((fence) => fence.language === "")
      .map((fence) => `${fence.file}:${fence.line}`);

    expect(bare).toEqual([]);
  });
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .replace(/`/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown file's headings (repeats get -1, -2, as on GitHub). */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(readFileSync(join(ROOT, file), "utf8")).split("\n")) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const anchor = anchorOf(heading);
    const count = seen.get(anchor) ?? 0;
    anchors.add(count === 0 ? anchor : `${anchor}-${count}`);
    seen.set(anchor, count + 1);
  }
  return anchors;
}

/** The text with its fenced blocks blanked (lines kept). */
function withoutFences(text: string): string {
  let fence: string | undefined;
  return text
    .split("\n")
    .map((line) => {
      const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence === undefined && marker) {
        fence = marker;
        return "";
      }
      if (fence !== undefined) {
        if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
        return "";
      }
      return line;
    })
    .join("\n");
}

/** The text without its fenced blocks (lines kept) and inline code spans. */
function withoutCode(text: string): string {
  return withoutFences(text).replace(/(`+)[^`]*?\1/g, "");
}

interface Link {
  readonly where: string;
  readonly target: string;
}

/** Relative links and images of a Markdown file: `[text](target)` and `[label]: target`. */
function relativeLinksOf(file: string): Link[] {
  const lines = withoutCode(readFileSync(join(ROOT, file), "utf8")).split("\n");
  return lines.flatMap((line, index) =>
    [
      ...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g),
      ...line.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g),
    ]
      .map((match) => match[1] ?? "")
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .map((target) => ({ where: `${file}:${index + 1}`, target })),
  );
}

describe("the documentation's relative links", () => {
  const links = documents().flatMap(relativeLinksOf);

  it("are found", () => {
    expect(links.length).toBeGreaterThan(0);
  });

  it("each lead to a file or folder of the project, and to a heading there", () => {
    const broken = links.flatMap(({ where, target }) => {
      const [path = "", anchor] = target.split("#");
      const from = where.slice(0, where.lastIndexOf(":"));
      const file =
        path === "" ? from : relative(ROOT, resolve(dirname(join(ROOT, from)), decodeURI(path)));
      const written = file.split(sep).join("/");
      if (written.startsWith("../")) return [`${where} ${target}: outside the project`];
      if (!existsSync(join(ROOT, file))) return [`${where} ${target}: no ${written}`];
      if (anchor === undefined || anchor === "" || !written.endsWith(".md")) return [];
      return anchorsOf(file).has(anchor) ? [] : [`${where} ${target}: no heading #${anchor}`];
    });

    expect(broken).toEqual([]);
  });

  it("from the README reach every page of docs/", () => {
    const linked = new Set(
      relativeLinksOf("README.md").map(({ target }) => posix.normalize(target.split("#")[0] ?? "")),
    );
    const pages = readdirSync(join(ROOT, "docs"))
      .filter((name) => name.endsWith(".md"))
      .map((name) => `docs/${name}`);

    expect(pages.filter((page) => !linked.has(page))).toEqual([]);
  });
});
