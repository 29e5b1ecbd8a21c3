// Lint rules, including the layer boundaries from STYLE.md: core imports no framework,
// database, hardware or I/O; services import no concrete driver, SQLite or Fastify;
// drivers import nothing from the appliance; the UI reaches the appliance only over HTTP.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const infra = [
  'fastify',
  'fastify/*',
  '@fastify/*',
  'sqlite3',
  'serialport',
  '@serialport/*',
  'pcsclite',
  'onoff',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'kiosk-ui/dist/**', 'state/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Tests read JSON response bodies; typing each one adds noise, not safety.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['appliance/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...infra, 'node:fs', 'node:fs/*', 'node:net', 'node:http', 'fs', 'net'],
              message: 'core/ is pure: no framework, database, hardware or I/O.',
            },
            {
              group: ['**/services/**', '**/store/**', '**/http/**', '**/drivers/**'],
              message: 'core/ depends on nothing outside core/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['appliance/src/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: infra,
              message: 'services/ never import a framework, SQLite or a hardware library.',
            },
            {
              group: ['**/store/**', '**/http/**'],
              message: 'services/ reach storage through core ports.',
            },
            {
              group: [
                '**/drivers/*/serial-*',
                '**/drivers/*/pcsc-*',
                '**/drivers/*/gpio-*',
                '**/drivers/*/simulated-*',
              ],
              message: 'services/ use driver interfaces, not concrete drivers.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['appliance/src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['sqlite3', '**/store/**'],
              message: 'routes call services; no SQL in http/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['drivers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/appliance/**'], message: 'drivers/ know nothing of the appliance.' },
          ],
        },
      ],
    },
  },
  {
    files: ['kiosk-ui/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/appliance/**', '**/drivers/**'],
              allowTypeImports: true,
              message: 'the UI reaches the appliance over HTTP only (import type is fine).',
            },
          ],
        },
      ],
    },
  },
);
