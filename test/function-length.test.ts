import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
/** The longest a function in lambdas/ may be, in lines from its first to its last. */
const MAX_LINES = 80;
/** Functions known to be longer (file#name): none. An entry whose file is gone is ignored. */
const KNOWN_LONG = new Set<string>();

interface FunctionSpan {
  readonly name: string;
  readonly line: number;
  readonly lines: number;
}

/** Every function, method, accessor, constructor and arrow with a body in `source`, with its length. */
function functionSpans(fileName: string, source: string): FunctionSpan[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.end).line;
      spans.push({ name: nameOf(node, file), line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return spans;
}

function nameOf(node: ts.SignatureDeclaration, file: ts.SourceFile): string {
  if (node.name) return node.name.getText(file);
  const parent = node.parent;
  if (
    ts.isVariableDeclaration(parent) ||
    ts.isPropertyAssignment(parent) ||
    ts.isPropertyDeclaration(parent)
  ) {
    return parent.name.getText(file);
  }
  return ts.isConstructorDeclaration(node) ? 'constructor' : '(anonymous)';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
}

describe('function length', () => {
  it('measures functions, methods and arrows from their first line to their last', () => {
    // Prepare
    const body = Array.from({ length: 80 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const source = [
      `export function long(): void {\n${body}\n}`,
      'class C {\n  method(): number {\n    return 1;\n  }\n}',
      'const arrow = () => {\n  return 2;\n};',
    ].join('\n');

    // Act
    const spans = functionSpans('sample.ts', source);

    // Assess
    expect(spans).toEqual([
      { name: 'long', line: 1, lines: 82 },
      { name: 'method', line: 84, lines: 3 },
      { name: 'arrow', line: 88, lines: 3 },
    ]);
  });

  it(`keeps every function in lambdas/ within ${MAX_LINES} lines`, () => {
    // Act
    const tooLong = sourceFiles('lambdas').flatMap((path) =>
      functionSpans(path, readFileSync(join(ROOT, path), 'utf8'))
        .filter((span) => span.lines > MAX_LINES && !KNOWN_LONG.has(`${path}#${span.name}`))
        .map((span) => `${path}:${span.line} ${span.name} (${span.lines} lines)`),
    );

    // Assess
    expect(tooLong).toEqual([]);
  });
});
