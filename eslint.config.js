const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

// The globals the browser scripts in views/assets may use (served as-is, no bundler).
const BROWSER_GLOBALS = Object.fromEntries(
  ['window', 'document', 'navigator', 'location', 'console', 'setTimeout', 'clearTimeout', 'fetch', 'URL', 'URLSearchParams', 'DOMParser', 'TextEncoder', 'TextDecoder'].map((name) => [name, 'readonly']),
);

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'contracts/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use node:crypto randomness.' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Read configuration through AppConfig (src/config/env.ts is the only reader).' },
      ],
    },
  },
  // Type-aware rules for every TypeScript file (src, test, bench, scripts): a promise nobody awaits,
  // a promise where a plain value is expected, and an await on something that is not a promise.
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['src/config/env.ts', 'src/main.ts', 'src/worker.ts', 'src/cli/**', 'test/**', 'bench/**', 'scripts/**', '*.js', 'test/**/*.js'],
    rules: { 'no-restricted-syntax': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  // The portal's and dashboard's own scripts run in the browser, as classic scripts.
  {
    files: ['views/assets/**/*.js'],
    languageOptions: { sourceType: 'script', ecmaVersion: 2022, globals: BROWSER_GLOBALS },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { caughtErrors: 'none' }] },
  },
);
