import { describe, expect, it } from '@jest/globals'
import { isAuthFailure, readPush, readPushOfRefs, refStatus } from '../../src/domain/push-outcome.js'

const TO = 'To https://github.example/acme/app.git'

describe('refStatus', () => {
  it('finds the status line of the flag asked for, and only that one', () => {
    const porcelain = `${TO}\n*\tHEAD:refs/heads/fix\t[new branch]\nDone\n`
    expect(refStatus(porcelain, '*')).toBe('*\tHEAD:refs/heads/fix\t[new branch]')
    expect(refStatus(porcelain, '=')).toBeUndefined()
    expect(refStatus(porcelain, '!')).toBeUndefined()
  })
})

describe('readPush', () => {
  it('reads a created ref and an up-to-date one apart', () => {
    expect(
      readPush({ exitCode: 0, porcelain: `${TO}\n*\tHEAD:refs/heads/fix\t[new branch]\nDone\n`, stderr: '' })
    ).toEqual({
      kind: 'pushed'
    })
    expect(
      readPush({ exitCode: 0, porcelain: `${TO}\n=\tHEAD:refs/heads/fix\t[up to date]\nDone\n`, stderr: '' })
    ).toEqual({
      kind: 'up-to-date'
    })
  })

  it('reads a create-only push rejected as stale info as an existing branch', () => {
    const status = '!\tHEAD:refs/heads/fix\t[rejected] (stale info)'
    expect(
      readPush({ exitCode: 1, porcelain: `${TO}\n${status}\nDone\n`, stderr: 'error: failed to push' })
    ).toEqual({
      kind: 'exists',
      status
    })
  })

  it('reads a rejected credential, with or without a ref status', () => {
    const stderr =
      'remote: Permission to acme/app.git denied to bot.\nfatal: unable to access: The requested URL returned error: 403'
    expect(readPush({ exitCode: 128, porcelain: '', stderr })).toEqual({ kind: 'auth', status: undefined })
    expect(
      isAuthFailure('fatal: could not read Username for https://github.example: terminal prompts disabled')
    ).toBe(true)
    expect(isAuthFailure('fatal: the remote end hung up unexpectedly')).toBe(false)
  })

  it('leaves any other refusal, or a push that broke off, for the remote to confirm', () => {
    const status = '!\tHEAD:refs/heads/fix\t[remote rejected] (cannot lock ref)'
    expect(
      readPush({ exitCode: 1, porcelain: `${TO}\n${status}\nDone\n`, stderr: 'error: failed to push' })
    ).toEqual({
      kind: 'unconfirmed',
      status,
      said: '[remote rejected] (cannot lock ref)'
    })
    expect(
      readPush({ exitCode: 128, porcelain: '', stderr: 'fatal: the remote end hung up unexpectedly' })
    ).toEqual({
      kind: 'unconfirmed',
      status: undefined,
      said: undefined
    })
  })
})

describe('readPushOfRefs', () => {
  const BRANCHES = ['fix/sentry-A-1', 'fix/sentry-A-2', 'fix/sentry-A-3']
  it("reads each ref's own line of one push of several", () => {
    const porcelain = [
      'To https://github.com/acme/shop.git',
      `*\t${'a'.repeat(40)}:refs/heads/fix/sentry-A-1\t[new branch]`,
      `!\t${'b'.repeat(40)}:refs/heads/fix/sentry-A-2\t[rejected] (stale info)`,
      `!\t${'c'.repeat(40)}:refs/heads/fix/sentry-A-3\t[remote rejected] (pre-receive hook declined)`,
      'Done'
    ].join('\n')
    const outcomes = readPushOfRefs(
      { exitCode: 1, porcelain, stderr: 'error: failed to push some refs' },
      BRANCHES
    )
    expect(outcomes.get('fix/sentry-A-1')).toEqual({ kind: 'pushed' })
    expect(outcomes.get('fix/sentry-A-2')).toMatchObject({ kind: 'exists' })
    expect(outcomes.get('fix/sentry-A-3')).toMatchObject({
      kind: 'unconfirmed',
      said: '[remote rejected] (pre-receive hook declined)'
    })
  })

  it('gives every ref what the whole push says when git printed no ref line', () => {
    const auth = readPushOfRefs(
      {
        exitCode: 128,
        porcelain: '',
        stderr: 'fatal: Authentication failed for https://github.com/acme/shop.git'
      },
      BRANCHES
    )
    expect([...auth.values()].map(o => o.kind)).toEqual(['auth', 'auth', 'auth'])
    const broken = readPushOfRefs(
      { exitCode: 128, porcelain: '', stderr: 'fatal: the remote end hung up' },
      BRANCHES
    )
    expect([...broken.values()].map(o => o.kind)).toEqual(['unconfirmed', 'unconfirmed', 'unconfirmed'])
  })

  it('does not take a longer branch name for a shorter one', () => {
    const porcelain = `*\t${'a'.repeat(40)}:refs/heads/fix/sentry-A-10\t[new branch]`
    const outcomes = readPushOfRefs({ exitCode: 1, porcelain, stderr: '' }, [
      'fix/sentry-A-1',
      'fix/sentry-A-10'
    ])
    expect(outcomes.get('fix/sentry-A-1')?.kind).toBe('unconfirmed')
    expect(outcomes.get('fix/sentry-A-10')?.kind).toBe('pushed')
  })
})
