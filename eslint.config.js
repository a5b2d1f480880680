// ESLint flat config: typescript-eslint recommended rules over src, test and bench, and the layering of src/.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'test/fixtures/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // Layering (docs/architecture.md): each folder may import only the layers below it. A later block
  // for the same files replaces the rule, so every folder's list is complete.
  ...layer(['src/{terraform,remediation,vanta,github,pullRequests,state,failure,security,process}/**/*.ts'], {
    groups: ['@temporalio/*', ...upper(['activities', 'workflows', 'workers', 'cli', 'sandbox', 'temporal'])],
    message: 'domain modules know nothing of Temporal, the CLI or the sandbox',
  }),
  ...layer(['src/temporal/**/*.ts'], {
    groups: upper(['workers', 'cli', 'sandbox']),
    typeOnly: upper(['workflows', 'activities']),
    message: 'the Temporal layer sits below activities, workers and the CLI',
  }),
  ...layer(['src/activities/**/*.ts'], {
    groups: upper(['workflows', 'workers', 'cli', 'sandbox']),
    message: 'activities adapt domain modules; they import no workflow, worker, CLI or sandbox code',
  }),
  ...layer(['src/workflows/**/*.ts'], {
    groups: [
      'node:*',
      'fs',
      'path',
      'os',
      'crypto',
      'http',
      'child_process',
      'ioredis',
      ...upper([
        'workers',
        'cli',
        'sandbox',
        'github',
        'pullRequests',
        'terraform',
        'remediation',
        'vanta',
        'state',
      ]),
    ],
    typeOnly: upper(['activities']),
    message: 'workflows are deterministic: no I/O, no Node APIs, activity types only',
  }),
  ...layer(['src/sandbox/emulators/**/*.ts'], {
    groups: upper([
      'activities',
      'workflows',
      'workers',
      'cli',
      'temporal',
      'remediation',
      'terraform',
      'vanta',
      'state',
    ]),
    message: 'the emulators speak the documented APIs and borrow no TerraFix logic (only the git runner)',
  }),
  ...layer(['src/{workers,cli}/**/*.ts', 'src/*.ts'], {
    groups: upper(['sandbox']),
    message: 'production code never imports the sandbox (emulators and the demo)',
  }),
);

/** `../x` and `../../x` patterns for the named top-level folders of src/. */
function upper(folders) {
  return folders.flatMap((f) => [`../${f}`, `../${f}/*`, `../../${f}`, `../../${f}/*`, `../../../${f}/*`]);
}

/** One no-restricted-imports block: `groups` are refused, `typeOnly` may be imported with `import type`. */
function layer(files, { groups, typeOnly = [], message }) {
  return [
    {
      files,
      rules: {
        'no-restricted-imports': 'off',
        '@typescript-eslint/no-restricted-imports': [
          'error',
          {
            patterns: [
              { group: groups, message },
              ...(typeOnly.length
                ? [{ group: typeOnly, message: `${message} (types only)`, allowTypeImports: true }]
                : []),
            ],
          },
        ],
      },
    },
  ];
}
