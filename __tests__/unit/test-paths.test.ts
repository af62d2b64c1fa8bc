import { describe, expect, it } from '@jest/globals'
import { fixTestFiles, testPathMatcher, type ChangedPath } from '../../src/domain/test-paths.js'
import { parseSettings } from '../../src/settings/settings.js'
import { inputValues } from '../../test-support/action-inputs.js'

/** test-paths as action.yml's default gives it, read by the settings parser. */
function defaultGlobs(): string[] {
  const values = inputValues({
    'sentry-token': 'sntryu_test',
    'sentry-org': 'acme',
    'sentry-project': 'api',
    mode: 'triage'
  })
  const result = parseSettings(name => values[name] ?? '')
  if (!result.ok) throw new Error(result.errors.join('\n'))
  return result.settings.agent.testPaths
}

describe('the default test-paths', () => {
  const isTest = testPathMatcher(defaultGlobs())

  it.each([
    'test/cart.js',
    'packages/api/test/fixtures/cart.json',
    'tests/test_cart.py',
    'src/__tests__/cart.js',
    'spec/models/user_spec.rb',
    'src/cart.test.ts',
    'src/cart.spec.js',
    'pkg/cart/cart_test.go',
    'app/test_views.py',
    'src/test/java/com/acme/CartTest.java',
    'lib/cart_spec.rb',
    '.config/test/setup.js'
  ])('treats %s as a test', path => {
    expect(isTest(path)).toBe(true)
  })

  it.each([
    'src/cart.js',
    'src/testing/helpers.js',
    'src/contest.js',
    'latest/index.js',
    'docs/spec.md',
    'src/main/java/com/acme/TestData.java',
    'lib/cart_spec.py',
    'app/views_test_helper.py'
  ])('does not treat %s as a test', path => {
    expect(isTest(path)).toBe(false)
  })
})

describe('fixTestFiles', () => {
  const file = (
    path: string,
    status: ChangedPath['status'],
    mode: string | null = '100644'
  ): ChangedPath => ({
    path,
    status,
    mode
  })

  it('keeps the test files the fix adds, changes or renames, sorted', () => {
    const files = [
      file('test/totals.test.js', 'modified'),
      file('src/totals.js', 'modified'),
      file('test/regression-api-12.test.js', 'added'),
      file('test/moved.test.js', 'renamed')
    ]
    expect(fixTestFiles(files, defaultGlobs())).toEqual([
      'test/moved.test.js',
      'test/regression-api-12.test.js',
      'test/totals.test.js'
    ])
  })

  it('leaves out deleted tests, and tests that became a symlink, a submodule or another type', () => {
    const files = [
      file('test/old.test.js', 'deleted', null),
      file('test/link.test.js', 'added', '120000'),
      file('test/vendor', 'added', '160000'),
      file('test/mode.test.js', 'type-changed', '100755'),
      file('test/kept.test.js', 'added', '100755')
    ]
    expect(fixTestFiles(files, defaultGlobs())).toEqual(['test/kept.test.js'])
  })

  it('finds nothing when the fix adds no test', () => {
    expect(
      fixTestFiles([file('src/cart.js', 'modified'), file('README.md', 'added')], defaultGlobs())
    ).toEqual([])
  })

  it('follows the globs it is given, not the defaults', () => {
    const files = [file('qa/cart.check.js', 'added'), file('test/cart.test.js', 'added')]
    expect(fixTestFiles(files, ['qa/**'])).toEqual(['qa/cart.check.js'])
  })

  it('lists a path once, and reads records without a mode as regular files', () => {
    const files: ChangedPath[] = [
      { path: 'test/a.test.js', status: 'added' },
      { path: 'test/a.test.js', status: 'modified' }
    ]
    expect(fixTestFiles(files, ['**/*.test.*'])).toEqual(['test/a.test.js'])
  })
})
