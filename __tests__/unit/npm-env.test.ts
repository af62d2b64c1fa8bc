import { describe, expect, it } from '@jest/globals'
import { npmEnv } from '../../src/adapters/npm-install.js'

describe('npmEnv', () => {
  it("gives npm its settings, proxies and CA, and none of the action's inputs, tokens or service credentials", () => {
    const env = npmEnv({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      npm_config_registry: 'https://npm.example.com/',
      NPM_CONFIG_USERCONFIG: '/home/runner/.npmrc',
      HTTPS_PROXY: 'http://proxy:3128',
      no_proxy: 'localhost',
      NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
      'INPUT_OPENAI-API-KEY': 'sk-secret',
      'INPUT_GITHUB-TOKEN': 'ghs_secret',
      GITHUB_TOKEN: 'ghs_secret',
      ACTIONS_RUNTIME_TOKEN: 'jwt',
      ACTIONS_RESULTS_URL: 'https://results',
      SENTRY_AUTH_TOKEN: 'sntrys_secret',
      OPENAI_API_KEY: 'sk-secret',
      UNSET: undefined
    })
    expect(Object.keys(env).sort()).toEqual(
      [
        'HOME',
        'HTTPS_PROXY',
        'NODE_EXTRA_CA_CERTS',
        'NPM_CONFIG_USERCONFIG',
        'PATH',
        'no_proxy',
        'npm_config_registry'
      ].sort()
    )
  })
})
