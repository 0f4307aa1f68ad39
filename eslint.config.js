// ESLint (flat config): JavaScript's and typescript-eslint's recommended rules over the
// sources, tests, benchmarks, examples and scripts. Formatting is Prettier's (npm run
// format:check), so no rule here is about layout. Run: npm run lint.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/', '**/dist/', 'docs/api/', '.turbo/', 'coverage/', '.doc-examples/', 'packages/core/vendor/', 'runs/', 'demo-results/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks a parameter or binding that is unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Types are imported with `import type` (verbatimModuleSyntax requires it).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Tests may assert non-null on what they just built.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
