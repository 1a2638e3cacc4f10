/**
 * The guardrail's configuration: one schema for the CLI, the Lambdas and the CDK app
 * (config-schema.ts), read here from YAML.
 *
 * Every field has a default, so an empty file (or none) guards an Amazon MSK cluster by its
 * CloudWatch metric names. A YAML file overrides what it names; `signals` merge by metric name.
 * Unknown keys are errors, reported with the file, line and field, because a misspelt threshold
 * that is silently ignored is a guardrail that does not guard.
 */
import { type Document, isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import { type GuardrailConfig, LIMITS, resolveConfig, type StormguardConfig } from './config-schema.ts';
import { InputError } from './errors.ts';

export { defaultConfig, type GuardrailConfig, resolveConfig, type SignalConfig, type StormguardConfig } from './config-schema.ts';

/** Parses and validates a YAML configuration; `source` names the file in errors. */
export function parseConfig(text: string, source = 'configuration'): GuardrailConfig {
  const { raw, lineOf } = readYaml(text, source);
  return resolveConfig(raw, source, lineOf);
}

/**
 * A YAML configuration as written, checked (the same errors as `parseConfig`, with lines) but
 * without the defaults applied: what the CDK construct takes as `config`.
 */
export function readConfigText(text: string, source = 'configuration'): StormguardConfig {
  const { raw, lineOf } = readYaml(text, source);
  resolveConfig(raw, source, lineOf);
  return (raw ?? {}) as StormguardConfig;
}

function readYaml(text: string, source: string): { raw: unknown; lineOf: (path: string[]) => number | undefined } {
  if (text.length > LIMITS.textLength)
    throw new InputError({ file: source }, `is ${text.length} characters long, more than the ${LIMITS.textLength} a configuration needs`);
  const nesting = nestingProblem(text);
  if (nesting) throw new InputError({ file: source, line: nesting.line }, nesting.message);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = lineCounter.linePos(yamlError.pos[0]);
    throw new InputError({ file: source, line: pos.line, column: pos.col }, `not valid YAML: ${firstLine(yamlError.message)}`);
  }
  const warning = doc.warnings[0];
  if (warning) {
    // An unknown tag (`!foo`) is read as a plain string: say so rather than guess what was meant.
    const pos = lineCounter.linePos(warning.pos[0]);
    throw new InputError({ file: source, line: pos.line, column: pos.col }, `not accepted: ${firstLine(warning.message)}`);
  }
  return { raw: toPlain(doc, source), lineOf: (path) => lineOf(doc, lineCounter, path) };
}

/** Flow collections (`[`, `{`) nested deeper than this are no configuration. */
const MAX_FLOW_DEPTH = 64;
/** Nor a line indented (spaces, `- `, `? `, `: `) further than this. */
const MAX_INDENT = 200;

/**
 * A configuration nested deeper than any is refused before the YAML parser sees it: the parser
 * recurses, and 65,000 nested flow maps ran the process out of memory (not an error: a crash).
 * One linear pass; brackets inside quoted strings count too, which no configuration needs.
 */
function nestingProblem(text: string): { line: number; message: string } | undefined {
  let flow = 0;
  let line = 1;
  let indent = 0;
  let atLineStart = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) {
      line++;
      indent = 0;
      atLineStart = true;
      continue;
    }
    if (atLineStart) {
      if (code === 32 || code === 45 || code === 63 || code === 58 || code === 9) {
        if (++indent > MAX_INDENT) return { line, message: `nested or indented more than ${MAX_INDENT} columns deep: no configuration is` };
        continue;
      }
      atLineStart = false;
    }
    if (code === 91 || code === 123) {
      if (++flow > MAX_FLOW_DEPTH) return { line, message: `nests more than ${MAX_FLOW_DEPTH} [ or { deep: no configuration does` };
    } else if ((code === 93 || code === 125) && flow > 0) flow--;
  }
  return undefined;
}

/** The document as plain data; aliases are bounded (a "billion laughs" file is refused, not expanded). */
function toPlain(doc: Document, source: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 50 }) ?? {};
  } catch (error) {
    throw new InputError({ file: source }, `not accepted: ${error instanceof Error ? firstLine(error.message) : String(error)}`);
  }
}

function lineOf(doc: Document, lineCounter: LineCounter, path: string[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const key of path) {
    if (!isMap(node)) break;
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key);
    if (!pair || !isPair(pair)) break;
    offset = isScalar(pair.key) ? pair.key.range?.[0] : offset;
    node = pair.value;
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
