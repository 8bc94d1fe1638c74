import { EnvDocument } from './types';

/**
 * The document's source with the value token of each replaced entry swapped for the given
 * token, which must already be quoted (see quoteForDotenv) and is inserted as it is.
 * Everything else, `export`, key, spacing, comments and line breaks included, is kept
 * byte for byte.
 */
export function renderEnv(document: EnvDocument, replacements: Map<number, string>): string {
  for (const index of replacements.keys()) {
    if (!Number.isInteger(index) || index < 0 || index >= document.entries.length) {
      throw new RangeError(`No entry ${index} in this document.`);
    }
  }
  const { source, valueSpans } = document;
  let output = '';
  let copiedUpTo = 0;
  valueSpans.forEach((span, index) => {
    const token = replacements.get(index);
    if (token === undefined) return;
    output += source.slice(copiedUpTo, span.start) + token;
    copiedUpTo = span.end;
  });
  return output + source.slice(copiedUpTo);
}
