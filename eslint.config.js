// ESLint: the recommended rules of ESLint and typescript-eslint, and a few for this code. Formatting is Prettier's
// (`npm run format`), so no rule here is about layout. `npm run lint` runs both.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import { defineConfig } from 'eslint/config'

// The Node globals the plain-JavaScript files use (TypeScript files are checked by tsc instead: no-undef is off there).
const node = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'fetch',
    'structuredClone',
  ].map((g) => [g, 'readonly']),
)

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'public/', 'coverage/', 'data/', 'opendata/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: node },
    rules: {
      // Unused names are mistakes, except a deliberate `_` prefix: a callback's parameter kept for its position
      // (`(_request, reply) =>`), a destructured field left out on purpose, a caught error that is not needed.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'none',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // `any` is a warning, not an error: it is still needed at a few boundaries (Fastify's untyped route config,
      // PGlite internals, parsed JSON in tests), and each one should be visible in the lint output and shrink over
      // time, but one should not block a commit. Casts of request queries are replaced by the routes' TypeBox types.
      '@typescript-eslint/no-explicit-any': 'warn',
      // Type-only imports are written `import type` (they vanish at run time; tsx and esbuild need to know).
      // `typeof import('vega')` stays allowed: it types a module loaded lazily, on first use.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      // `x!` is allowed: it is how this code says "the test made this exist" (e.g. userIds.get(who)!).
      '@typescript-eslint/no-non-null-assertion': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
      'no-throw-literal': 'error',
      'object-shorthand': ['error', 'properties'],
      'no-console': 'off', // the CLI and scripts write to the console on purpose
    },
  },
  {
    // The page script served to browsers as an ES module (progressive enhancement, no build step).
    files: ['src/platform/assets/**/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly' } },
  },
)
