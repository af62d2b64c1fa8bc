// Primitives shared by the schemas.
import { z } from 'zod'

export const IsoDate = z.iso.datetime({ offset: true })
export const Sha = z.string().regex(/^[0-9a-f]{40}$/)
