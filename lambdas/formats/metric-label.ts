/**
 * A GetMetricData result's label read as a series' identity: the signal it names and its
 * dimensions as `Name=Value` pairs, as a dynamic label such as
 * `${PROP('MetricName')} Cluster Name=${PROP('Dim.Cluster Name')}` prints them. Read by scans
 * linear in the label, never by a pattern built from the signal names.
 */
import { InputError } from '../core/errors.ts';
import { MAX_NAME_LENGTH } from '../core/input-bounds.ts';
import { ID_DIMENSION, type MetricSeries, RESULT_DIMENSION } from '../core/metric-series.ts';

/** The cluster of a series that names none, where no one configured cluster is what it must be. */
const DEFAULT_CLUSTER = 'default';

/**
 * The cluster a series that names none is read as: the configured one where there is one (a
 * single cluster's metrics need not name it), else `default`: with several, it could be any.
 */
export function unnamedCluster(clusters: readonly string[]): string {
  return clusters.length === 1 ? clusters[0]! : DEFAULT_CLUSTER;
}

/** Whether a series' label named its cluster. */
export const namesCluster = (series: Pick<MetricSeries, 'dimensions'>) => Object.hasOwn(series.dimensions, 'Cluster Name');

/** Series as the configured clusters read them: one that names no cluster is `unnamedCluster`'s (an export and the live source alike). */
export function inClusters<S extends MetricSeries>(series: readonly S[], clusters: readonly string[]): S[] {
  return series.map((s) => (namesCluster(s) ? s : { ...s, cluster: unnamedCluster(clusters) }));
}

/** The pseudo-dimension holding a label's text where it has no `Name=Value` pairs (`broker 1`). */
export const FREE_TEXT_DIMENSION = 'Series';

/**
 * The series' identity from its label (or, when the label names no signal, its Id): the signal it
 * names and its dimensions. Linear in the label: no regular expression is built from the signal
 * names, and the `Name=Value` pairs are read by a scan, not by a backtracking pattern. `at` names
 * the label's field in errors: a dimension value longer than MAX_NAME_LENGTH is one.
 */
export function identify(
  result: { Id?: string; Label?: string },
  signalNames: readonly string[],
  at: { file?: string; field?: string } = {},
): Omit<MetricSeries, 'points'> | undefined {
  const label = (result.Label ?? result.Id ?? '').trim();
  let signal: string | undefined;
  let rest = label;
  for (const name of signalNames) {
    const index = wordIndex(label, name);
    if (index < 0) continue;
    signal = name;
    rest = (label.slice(0, index) + label.slice(index + name.length)).trim();
    break;
  }
  if (!signal) {
    signal = signalInId(result.Id, signalNames);
    if (!signal) return undefined;
    // As the label was read before: the first occurrence of the name, if any, is not a dimension.
    rest = label.replace(signal, '').trim();
  }
  const pairs = new Map<string, string>();
  for (const [name, value] of dimensionPairs(rest)) pairs.set(name, value);
  if (pairs.size === 0 && rest && rest !== result.Id) pairs.set(FREE_TEXT_DIMENSION, rest);
  const cluster = pairs.get('Cluster Name') ?? DEFAULT_CLUSTER;
  if (cluster.length > MAX_NAME_LENGTH)
    throw new InputError(at, `names a cluster of ${cluster.length} characters, more than ${MAX_NAME_LENGTH}: not a cluster name`);
  const dimensions = inOrder(Object.fromEntries(pairs));
  return {
    key: keyOf(signal, dimensions),
    signal,
    dimensions,
    cluster,
  };
}

const isLetter = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
const isNameChar = (code: number) =>
  isLetter(code) || (code >= 48 && code <= 57) || code === 95 || code === 32 || code === 46 || code === 45;
const isSpace = (code: number) =>
  code === 32 ||
  (code >= 9 && code <= 13) ||
  code === 0xa0 ||
  code === 0xfeff ||
  code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200a) ||
  code === 0x2028 ||
  code === 0x2029 ||
  code === 0x202f ||
  code === 0x205f ||
  code === 0x3000;

/** Where `name` occurs in `text` as a word (no ASCII letter on either side), or -1. */
function wordIndex(text: string, name: string): number {
  if (!name) return -1;
  for (let from = 0; ; ) {
    const index = text.indexOf(name, from);
    if (index < 0) return -1;
    const before = index === 0 || !isLetter(text.charCodeAt(index - 1));
    const end = index + name.length;
    const after = end === text.length || !isLetter(text.charCodeAt(end));
    if (before && after) return index;
    from = index + 1;
  }
}

/**
 * The `Name=Value` pairs of a label's rest, comma-separated: in each part, the first run of name
 * characters (letters, digits, `_`, space, `.`, `-`; starting with a letter) followed, after
 * optional white space, by `=`; the value is the rest of the part, trimmed. What the pattern
 * `([A-Za-z][\w .-]*?)\s*=\s*([^,]+)` matched, in one pass.
 */
function* dimensionPairs(text: string): Generator<[string, string]> {
  let partStart = 0;
  while (partStart <= text.length) {
    let partEnd = text.indexOf(',', partStart);
    if (partEnd < 0) partEnd = text.length;
    let i = partStart;
    while (i < partEnd) {
      if (!isLetter(text.charCodeAt(i))) {
        i++;
        continue;
      }
      const nameStart = i;
      while (i < partEnd && isNameChar(text.charCodeAt(i))) i++;
      const nameEnd = i;
      let j = i;
      while (j < partEnd && isSpace(text.charCodeAt(j))) j++;
      if (j < partEnd && text.charCodeAt(j) === 61 /* = */) {
        if (j + 1 < partEnd) yield [text.slice(nameStart, nameEnd).trim(), text.slice(j + 1, partEnd).trim()];
        break;
      }
      // No `=` after this run: no start within it does better; go on after it.
      i = nameEnd === nameStart ? i + 1 : nameEnd;
    }
    partStart = partEnd + 1;
  }
}

/** A signal named in a query Id, whatever its case and separators; the longest name wins (ClientConnectionCount over ConnectionCount). */
function signalInId(id: string | undefined, signalNames: readonly string[]): string | undefined {
  if (!id) return undefined;
  const flat = id.toLowerCase().replace(/[^a-z0-9]/g, '');
  return [...signalNames].sort((a, b) => b.length - a.length).find((name) => flat.includes(name.toLowerCase()));
}

/**
 * Dimensions that lead, in this order: MSK's, as the default label and the Prometheus source write
 * them, so those keys (and the series a saved state knows by them) stay as they were.
 */
const LEADING_DIMENSIONS: readonly string[] = ['Cluster Name', 'Broker ID'];
/** Pseudo-dimensions that tell apart what a label does not: last, after every real one. */
const TRAILING_DIMENSIONS: readonly string[] = [ID_DIMENSION, RESULT_DIMENSION];

function rank(name: string): number {
  const leading = LEADING_DIMENSIONS.indexOf(name);
  if (leading >= 0) return leading;
  const trailing = TRAILING_DIMENSIONS.indexOf(name);
  return trailing >= 0 ? LEADING_DIMENSIONS.length + 1 + trailing : LEADING_DIMENSIONS.length;
}

/**
 * Dimensions in one fixed order, whatever the order a label wrote them in: two labels that name
 * the same dimensions in another order (a colleague's template) name one series, and show it alike.
 */
function inOrder(dimensions: Readonly<Record<string, string>>): Record<string, string> {
  const entries = Object.entries(dimensions).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  // Built from entries: a dimension named `__proto__` or `constructor` is a dimension like any other.
  return Object.fromEntries(entries);
}

/** A series' key: its signal, then its dimensions as `Name=Value` pairs, in their fixed order (inOrder). */
export function keyOf(signal: string, dimensions: Readonly<Record<string, string>>): string {
  const scope = Object.entries(inOrder(dimensions))
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  return scope ? `${signal} ${scope}` : signal;
}
