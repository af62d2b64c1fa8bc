// Writes schemas/*.json from the zod source of truth. Usage: tsx scripts/write-schemas.ts [outdir]
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { GENERATED_SCHEMAS, toJsonSchema } from '../src/schemas/json-schema.js'

const outdir = process.argv[2] ?? 'schemas'
await mkdir(outdir, { recursive: true })
for (const name of Object.keys(GENERATED_SCHEMAS) as (keyof typeof GENERATED_SCHEMAS)[]) {
  await writeFile(path.join(outdir, name), JSON.stringify(toJsonSchema(name), null, 2) + '\n')
}
