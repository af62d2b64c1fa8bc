// A throw-away certificate authority for the fakes that serve HTTPS: a CA made with `openssl` for one test run, and a
// server certificate it signs for 127.0.0.1 (an IP subject alternative name, which is what curl, GnuTLS and Node check
// for an address; the common name is not looked at). Nothing here is trusted by the system: a client trusts the
// server only when it is told about the CA file (GIT_SSL_CAINFO, NODE_EXTRA_CA_CERTS ...).
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TestCertificates {
  /** the CA certificate (PEM), the file a client is pointed at */
  caFile: string
  /** the server's private key (PEM) */
  key: string
  /** the server's certificate (PEM), signed by the CA, for IP:127.0.0.1 and DNS:localhost */
  cert: string
}

/** Makes a CA and a server certificate for 127.0.0.1 in `into` (an existing temporary folder). Valid for two days. */
export async function makeTestCertificates(into: string): Promise<TestCertificates> {
  const at = (name: string): string => path.join(into, name)
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-keyout', at('ca.key'), '-out', at('ca.pem'), '-subj', '/CN=Sentry Codex Triage Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'
  ]) // prettier-ignore
  await run('openssl', [
    'req', '-newkey', 'rsa:2048', '-nodes', '-sha256',
    '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1'
  ]) // prettier-ignore
  await writeFile(
    at('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' +
      'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n'
  )
  await run('openssl', [
    'x509', '-req', '-sha256', '-days', '2', '-in', at('server.csr'),
    '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('server.pem'), '-extfile', at('server.ext')
  ]) // prettier-ignore
  return {
    caFile: at('ca.pem'),
    key: await readFile(at('server.key'), 'utf8'),
    cert: await readFile(at('server.pem'), 'utf8')
  }
}
