// codex-args lets through an allow-list: four options of `codex exec`, and through -c only settings of the model's
// side. Every spelling clap accepts for -c is tried, since a filter that knows one spelling is a filter with a hole.
import { describe, expect, it } from '@jest/globals'
import { codexArgs } from '../../src/settings/codex-args.js'

function problemsOf(args: string): string[] {
  const verdict = codexArgs(args)
  return verdict.ok ? [] : verdict.problems
}

/** `-c k=v` in each spelling clap accepts, quoted for the input's shell-like splitting. */
const spellings = (setting: string): string[] => [
  `-c '${setting}'`,
  `'-c${setting}'`,
  `'-c=${setting}'`,
  `--config '${setting}'`,
  `'--config=${setting}'`
]

describe('codex-args -c: only the settings on the allow-list', () => {
  it.each(spellings('projects."/w/app".trust_level="trusted"'))(
    'refuses trusting a directory through %s, which does what --trust does',
    args => {
      const problems = problemsOf(args)
      expect(problems).toHaveLength(1)
      expect(problems[0]).toContain("Input 'codex-args'")
      expect(problems[0]).toContain('projects.\\"/w/app\\".trust_level')
      expect(problems[0]).toContain('not one of the settings it may override')
      expect(problems[0]).toContain('--trust')
    }
  )

  it.each(spellings('notify=["sh", "-c", "env"]'))(
    'refuses a notify program through %s, which would run outside the sandbox',
    args => {
      const problems = problemsOf(args)
      expect(problems).toHaveLength(1)
      expect(problems[0]).toMatch(
        /^Input 'codex-args' sets notify through -c, which is not one of the settings/
      )
      expect(problems[0]).toContain('runs a program outside the sandbox')
    }
  )

  it.each([
    // codex splits a key at every '.', so a directory without dots needs no quotes at all
    ['-c projects./w/app.trust_level=trusted', 'projects./w/app.trust_level'],
    ['-c use_legacy_landlock=true', 'use_legacy_landlock'],
    ['-c features.web_search_request=true', 'features.web_search_request'],
    ['-c approval_policy=on-request', 'approval_policy'],
    ['-c sandbox_mode=workspace-write', 'sandbox_mode'],
    ['-c model_provider=oss', 'model_provider'],
    ['-c model_providers.sentry-codex-triage.base_url=x', 'model_providers.sentry-codex-triage.base_url'],
    [
      '-c model_providers.sentry-codex-triage.env_key=GITHUB_TOKEN',
      'model_providers.sentry-codex-triage.env_key'
    ],
    ['-c model_providers.other.request_max_retries=1', 'model_providers.other.request_max_retries'],
    ['-c profile=ci', 'profile'],
    ['-c hooks.x=1', 'hooks.x'],
    ['-c web_search=live', 'web_search'],
    ['-c no_such_setting=1', 'no_such_setting']
  ])('refuses %s and names the key', (args, key) => {
    const problems = problemsOf(args)
    expect(problems).toEqual([
      expect.stringContaining(`sets ${key} through -c, which is not one of the settings`)
    ])
    expect(problems[0]).toContain('model_reasoning_effort') // the message lists what may be set
  })

  it.each([
    ['-c \'"model_verbosity"=low\'', 'write the key as model_verbosity'],
    [
      '-c \'model_providers."sentry-codex-triage".request_max_retries=1\'',
      'write the key as model_providers'
    ],
    ['-c \'model_providers."sentry-codex-triage.request_max_retries"=1\'', 'not one of the settings'],
    // the key ends at the first '=', so this one has an unclosed quote: still named by its first segment
    ['-c \'projects."/w=x".trust_level=trusted\'', 'does what --trust does'],
    ["-c 'projects.\"/w.trust_level=trusted'", 'does what --trust does'],
    ['-c model.=x', 'not one of the settings'],
    ["-c 'model . verbosity=x'", 'not one of the settings'],
    ['-c =low', 'not key=value'],
    ['-c model_verbosity', 'not key=value']
  ])('refuses the quoted or unreadable key in %s', (args, message) => {
    const problems = problemsOf(args)
    expect(problems).toEqual([expect.stringContaining(message)])
  })

  it.each([
    '-c model_reasoning_effort=high',
    '-cmodel_reasoning_summary=detailed',
    '-c=model_verbosity=low',
    '--config model_context_window=200000',
    '--config=model_auto_compact_token_limit=150000',
    "-c 'hide_agent_reasoning = true'",
    '-c show_raw_agent_reasoning=false',
    '-c model="gpt-5.5"',
    '-c model_providers.sentry-codex-triage.stream_idle_timeout_ms=60000',
    '-c model_providers.sentry-codex-triage.request_max_retries=2 -c model_providers.sentry-codex-triage.stream_max_retries=2'
  ])('accepts the model-side setting %s', args => {
    expect(problemsOf(args)).toEqual([])
  })
})

describe('codex-args options: only -c, -m, -s and --color', () => {
  it.each([
    ['--remote ws://127.0.0.1:1', 'another Codex server'],
    ['--remote-auth-token-env GITHUB_TOKEN', 'remote server'],
    ['--approve-for-me', 'approval_policy never'],
    ['--enable web_search_request', 'features'],
    ['--disable=use_legacy_landlock', 'features'],
    ['-p ci', 'another configuration file'],
    ['--profile=ci', 'another configuration file'],
    ['-i screenshot.png', 'a file of the runner'],
    ['--oss', 'model provider'],
    ['--local-provider ollama', 'model provider'],
    ['--worktree', 'outside the one the action checks'],
    ['-o answer.txt', 'passes it already'],
    ['--output-schema=schema.json', 'passes it already'],
    ['--json', 'passes it already'],
    ['--skip-git-repo-check', 'passes it already'],
    ['--version', 'stop without looking at the issue'],
    ['-h', 'stop without looking at the issue'],
    ['--ephemeral', 'not one of the options it may pass (-c/--config, -m/--model, -s/--sandbox, --color)'],
    ['--no-such-option', 'not one of the options it may pass'],
    ['review', 'would be read as the prompt or a subcommand'],
    ['-', 'would be read as the prompt or a subcommand'],
    ['-- -m x', 'after which codex reads every word as the prompt']
  ])('refuses %s and says why', (args, why) => {
    const problems = problemsOf(args)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain("Input 'codex-args'")
    expect(problems[0]).toContain(why)
  })

  it.each([
    ['-m a --model b', 'more than once'],
    ['-s read-only --sandbox=workspace-write', 'more than once'],
    ['--color never --color=auto', 'more than once'],
    ['-s full', 'write one of read-only, workspace-write'],
    ['--color=sometimes', 'write one of always, never, auto'],
    ['-m', '-m without a value'],
    ['--config', '--config without a value']
  ])('refuses %s, which codex would refuse', (args, why) => {
    expect(problemsOf(args)).toEqual([expect.stringContaining(why)])
  })

  it('does not take an option for the value of the one before it', () => {
    const problems = problemsOf('-m --yolo')
    expect(problems).toEqual([
      expect.stringContaining('-m without a value'),
      expect.stringContaining('--yolo: remove it; it turns the sandbox off')
    ])
  })

  it('takes the value of a refused option with it, so that it is one problem', () => {
    expect(problemsOf('--add-dir /w/other --enable "web search" -C /w')).toHaveLength(3)
  })

  it.each([
    '-m gpt-5.5',
    '--model=gpt-5.5',
    '-mgpt-5.5',
    '-s read-only',
    '--sandbox=workspace-write',
    '-sworkspace-write',
    '--color never',
    '-m gpt-5.5 -s read-only --color=never -c model_verbosity=low -c model_reasoning_effort=high'
  ])('accepts %s', args => {
    expect(codexArgs(args)).toEqual({ ok: true, value: expect.any(Array) })
  })
})
