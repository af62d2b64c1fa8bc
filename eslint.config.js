import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// Layer rules (style anchor 14: enforced by lint, not by memory). `regex` is matched against the import specifier
// as written, so a relative path climbs out of the file's folder: from src/domain/x.ts, `../adapters/y.js` is an
// adapter. domain/, stages/ and adapters/ are one folder below src/, which the patterns assume.
const ADAPTERS = String.raw`^(\.\./)+adapters(/|$)`
const STAGES = String.raw`^(\.\./)+stages(/|$)`
const SETTINGS = String.raw`^(\.\./)+settings(/|$)`
const ENTRY = String.raw`^(\.\./)+(main|pipeline)(\.[jt]s)?$`
const ACTIONS = String.raw`^@actions/`
const OCTOKIT = String.raw`^@octokit/`
const PROCESS_AND_FILES = String.raw`^(node:)?(child_process|fs)(/|$)`

const restrict = (...patterns) => [
  'error',
  { patterns: patterns.map(([regex, message]) => ({ regex, message })) }
]

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.object.name='core'][callee.property.name=/^get(Boolean|Multiline)?Input$/]",
          message: 'Only src/settings/settings.ts reads inputs.'
        }
      ]
    }
  },
  { files: ['src/settings/settings.ts'], rules: { 'no-restricted-syntax': 'off' } },
  // Type information for src/ alone, so that linting the tests and scripts stays fast.
  {
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error'
    }
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [
          ADAPTERS,
          'domain/ imports no adapter: decisions are pure, only adapters do I/O (ports.ts has the types).'
        ],
        [STAGES, 'domain/ imports no stage: stages call domain, never the other way round.'],
        [SETTINGS, 'domain/ imports no settings module: decisions take plain values, not the parsed inputs.'],
        [
          ENTRY,
          'domain/ imports neither main.ts nor pipeline.ts: the entry and orchestrator sit above every layer.'
        ],
        [
          ACTIONS,
          'domain/ imports no @actions/*: decisions are pure; the runner is reached through adapters.'
        ],
        [OCTOKIT, 'domain/ imports no @octokit/*: decisions are pure; GitHub is reached through adapters.'],
        [
          PROCESS_AND_FILES,
          'domain/ imports no child_process or fs: decisions are pure, only adapters do I/O.'
        ]
      )
    }
  },
  {
    files: ['src/stages/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [
          ADAPTERS,
          'stages/ import no adapter: they receive the ports.ts interfaces from the caller (injection).'
        ],
        [
          ACTIONS,
          'stages/ import no @actions/*: they log and upload through the injected ports (Log, ArtifactSink).'
        ]
      )
    }
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [
          STAGES,
          'adapters/ import no stage: adapters implement ports; the stages use them, not the other way round.'
        ],
        [
          ENTRY,
          'adapters/ import neither main.ts nor pipeline.ts: the entry wires the adapters, they never call it.'
        ]
      )
    }
  }
)
