/** Command-line options as commander hands them to a command's action, some of them changed. */
import fc from 'fast-check';
import { interestingNumbers, interestingStrings } from './interesting.ts';

/** What commander hands a command's action: strings, string lists, booleans, absent. */
export const optionValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      ...interestingStrings,
      ...interestingNumbers.map(String),
      '25',
      '60',
      '1800',
      '3600',
      '86400',
      '86401',
      '1e300',
      ` ${'9'.repeat(400)} `,
      '0.5',
      '-5',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('a.json', '', '__proto__'), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(true, false, undefined) },
);
/** A command's options as commander gives them for a valid command line, some of them changed. */
export const optionsFor = (keys: readonly string[], base: Record<string, unknown>) =>
  fc
    .dictionary(fc.constantFrom(...keys, '__proto__', 'constructor', 'extra'), optionValue, { maxKeys: 2 })
    .map((changes) => ({ ...base, ...changes }));
