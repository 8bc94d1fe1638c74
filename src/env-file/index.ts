/**
 * `.env` text: parsing it exactly as `dotenv.parse` does, recognising the enc(...) and
 * secret(...) directives, quoting values so that dotenv reads them back exactly, and
 * rendering the file again with only chosen values changed. Pure: no Nest, no I/O, no
 * logging. The rules are written up for users in docs/env.md.
 */
export { parseEnv } from './parse';
export { renderEnv } from './render';
export { quoteForDotenv } from './quote';
export { directiveOf, SECRET_NAME_PATTERN } from './directive';
export type { EnvDirective, EnvDocument, EnvEntry, EnvProblem, ValueSpan } from './types';
