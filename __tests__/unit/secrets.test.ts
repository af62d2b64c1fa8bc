import { describe, expect, it } from '@jest/globals'
import {
  basicAuthHeader,
  isSecretName,
  MIN_SECRET_LENGTH,
  REDACTED,
  redact,
  secretEnvValues,
  secretForms
} from '../../src/domain/secrets.js'

const TOKEN = 'ghs_actionsOwnToken0123456789abcdef'
const texts = (secrets: string[]) => secretForms(secrets).map(form => form.text)

describe('secretForms', () => {
  it('lists the value, its URL encoding, its base64 at every alignment and its Basic header, longest first', () => {
    const value = 'tok/en+with=special&chars'
    const forms = texts([value])
    expect(forms[0]).toBe(basicAuthHeader(value))
    expect(forms).toEqual(expect.arrayContaining([value, encodeURIComponent(value)]))
    expect(forms).toContain(Buffer.from(value).toString('base64'))
    expect(forms).toContain(Buffer.from(`x-access-token:${value}`).toString('base64'))
    for (const prefix of ['', 'a', 'ab']) {
      const encoded = Buffer.from(`${prefix}${value}`).toString('base64')
      expect(forms.some(form => encoded.includes(form) && form.length >= value.length)).toBe(true)
    }
    expect([...forms].sort((a, b) => b.length - a.length)).toEqual(forms)
  })

  it('labels each form with its encoding, for the policy reasons', () => {
    const forms = secretForms([TOKEN])
    expect(forms.find(form => form.text === TOKEN)?.encoding).toBe('')
    expect(forms.find(form => form.text === basicAuthHeader(TOKEN))?.encoding).toBe('base64-encoded')
  })

  it('looks for each line of a multi-line value, trimmed, and skips values shorter than the minimum', () => {
    const pem = 'line-one-of-a-key\r\n  line-two-of-a-key  \nshort'
    const forms = texts([pem])
    expect(forms).toEqual(expect.arrayContaining(['line-one-of-a-key', 'line-two-of-a-key']))
    expect(forms).not.toContain('short')
    expect(texts(['x'.repeat(MIN_SECRET_LENGTH - 1), '', '   '])).toEqual([])
    expect(forms.every(form => form.length >= MIN_SECRET_LENGTH)).toBe(true)
  })
})

describe('redact', () => {
  it('replaces every form of a secret with the one marker', () => {
    const b64 = Buffer.from(TOKEN).toString('base64')
    expect(redact(`t=${TOKEN} b=${b64} u=${encodeURIComponent(TOKEN)}`, [TOKEN])).toBe(
      `t=${REDACTED} b=${REDACTED} u=${REDACTED}`
    )
    expect(redact(basicAuthHeader(TOKEN), [TOKEN])).toBe(REDACTED)
  })

  it('replaces well-known token shapes, URL credentials and URL signatures without being told the values', () => {
    expect(redact(`found ghp_${'a'.repeat(36)} on disk`)).toBe(`found ${REDACTED} on disk`)
    expect(redact('push to https://bot:hunter2@git.example/x.git')).toBe(
      `push to https://${REDACTED}@git.example/x.git`
    )
    expect(redact('url.https://tokenonly@github.com/.insteadof')).toBe(
      `url.https://${REDACTED}@github.com/.insteadof`
    )
    expect(redact('PUT https://blob.example/a?sv=1&sig=abc%2Bdef&se=2')).toBe(
      `PUT https://blob.example/a?sv=1&sig=${REDACTED}&se=2`
    )
  })

  it('leaves no secret made by joining what surrounded a replaced one', () => {
    const secret = 'abc***def'
    const other = 'other-secret-value'
    expect(redact(`abc${other}def`, [secret, other])).toBe(REDACTED)
  })

  it('leaves text without secrets alone', () => {
    expect(redact('nothing secret here', [TOKEN])).toBe('nothing secret here')
  })
})

describe('secret names', () => {
  it('takes the values of variables named like credentials, and no others', () => {
    expect(
      ['GITHUB_TOKEN', 'OPENAI_API_KEY', 'INPUT_SENTRY-TOKEN', 'DB_PASSWORD', 'X_SECRET'].every(isSecretName)
    ).toBe(true)
    expect(['PATH', 'HOME', 'LANG'].some(isSecretName)).toBe(false)
    expect(secretEnvValues({ PATH: '/bin', GITHUB_TOKEN: TOKEN, UNSET_KEY: undefined })).toEqual([TOKEN])
  })
})
