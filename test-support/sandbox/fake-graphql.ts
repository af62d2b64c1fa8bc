// A small GraphQL server core for the fakes: it parses a query document (fake-graphql-document.ts), validates it
// against a schema the fake describes (fields, arguments, fragments on the right types, declared and used variables),
// coerces the request's variables, and executes it with the fake's resolvers. Errors take the shapes GitHub's GraphQL
// API (graphql-ruby) answers with HTTP 200: validation errors alone (`{errors}`, no data, with their
// `extensions.code`), execution errors next to the data with their `path`, a null bubbling up to the nearest nullable
// field. Only what the project's queries need: one query operation, inline fragments, no mutations.
import {
  literal,
  namedType,
  parseDocument,
  printType,
  printValue,
  ParseError,
  type FieldNode,
  type Loc,
  type Operation,
  type Selection,
  type TypeRef,
  type Value
} from './fake-graphql-document.js'

export interface GraphQLError {
  message: string
  locations?: { line: number; column: number }[]
  path?: (string | number)[]
  /** GitHub's error type for execution errors (FORBIDDEN, NOT_FOUND, EXCESSIVE_PAGINATION, …) */
  type?: string
  extensions?: Record<string, unknown>
}

/** What a resolver throws to fail its field: the field becomes null and the error is listed with its path. */
export class FieldError extends Error {
  readonly type?: string
  readonly extensions?: Record<string, unknown>

  constructor(message: string, options: { type?: string; extensions?: Record<string, unknown> } = {}) {
    super(message)
    this.name = 'FieldError'
    if (options.type !== undefined) this.type = options.type
    if (options.extensions !== undefined) this.extensions = options.extensions
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The schema, as a fake describes it

export type Resolver = (parent: unknown, args: Record<string, unknown>) => unknown

export interface FieldDef {
  /** the field's type in SDL notation: 'Int!', '[PullRequestCommit]', 'SearchResultItemConnection!' */
  type: string
  /** argument name -> type in SDL notation */
  args?: Record<string, string>
  /** default: the parent's property of the field's name */
  resolve?: Resolver
}

export type TypeDef =
  | { kind: 'object'; fields: Record<string, FieldDef> }
  | { kind: 'union'; types: string[]; resolveType: (value: unknown) => string }
  | { kind: 'enum'; values: string[] }
  /** `accepts`: whether a variable's JSON value is one of this scalar's */
  | { kind: 'scalar'; accepts: (value: unknown) => boolean }

export interface Schema {
  /** the root object type of queries */
  query: string
  types: Record<string, TypeDef>
}

const BUILTIN_SCALARS: Record<string, TypeDef> = {
  String: { kind: 'scalar', accepts: v => typeof v === 'string' },
  ID: {
    kind: 'scalar',
    accepts: v => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))
  },
  Int: {
    kind: 'scalar',
    accepts: v => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31
  },
  Float: { kind: 'scalar', accepts: v => typeof v === 'number' && Number.isFinite(v) },
  Boolean: { kind: 'scalar', accepts: v => typeof v === 'boolean' }
}

/** record[key] when the record holds it as its own property (never Object.prototype's `constructor` and kin) */
function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

function lookupType(schema: Schema, name: string): TypeDef | undefined {
  return own(schema.types, name) ?? own(BUILTIN_SCALARS, name)
}

function parseTypeRef(sdl: string): TypeRef {
  const text = sdl.trim()
  if (text.endsWith('!')) return { kind: 'nonNull', of: parseTypeRef(text.slice(0, -1)) }
  if (text.startsWith('[') && text.endsWith(']')) return { kind: 'list', of: parseTypeRef(text.slice(1, -1)) }
  return { kind: 'named', name: text }
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

function validate(schema: Schema, op: Operation): GraphQLError[] {
  const errors: GraphQLError[] = []
  const opLabel = op.name === null ? 'anonymous query' : op.name
  const opPath = op.name === null ? op.operation : `${op.operation} ${op.name}`
  const declared = new Map(op.variables.map(v => [v.name, v]))
  const used = new Set<string>()
  const type = (name: string): TypeDef | undefined => lookupType(schema, name)

  for (const v of op.variables) {
    const t = type(namedType(v.type))
    if (!t) {
      errors.push({
        message: `${namedType(v.type)} isn't a defined input type (on $${v.name})`,
        locations: [v.loc],
        path: [opPath],
        extensions: { code: 'variableRequiresValidType', typeName: namedType(v.type), variableName: v.name }
      })
    }
  }

  function checkValue(
    value: Value,
    expected: TypeRef,
    where: { field: string; arg: string; loc: Loc; path: string[] }
  ) {
    if (value.kind === 'variable') {
      used.add(value.name)
      const v = declared.get(value.name)
      if (!v) {
        errors.push({
          message: `Variable $${value.name} is used by ${opLabel} but not declared`,
          locations: [where.loc],
          path: [...where.path, where.arg],
          extensions: { code: 'variableNotDefined', variableName: value.name }
        })
        return
      }
      const nonNullOk = expected.kind !== 'nonNull' || v.type.kind === 'nonNull' || v.defaultValue !== null
      const inner = (t: TypeRef): TypeRef => (t.kind === 'nonNull' ? t.of : t)
      if (printType(inner(v.type)) !== printType(inner(expected))) {
        errors.push({
          message: `Type mismatch on variable $${value.name} and argument ${where.arg} (${printType(v.type)} / ${printType(expected)})`,
          locations: [where.loc],
          path: [...where.path, where.arg],
          extensions: {
            code: 'variableMismatch',
            variableName: value.name,
            typeName: printType(v.type),
            argumentName: where.arg,
            errorMessage: 'Type mismatch'
          }
        })
      } else if (!nonNullOk) {
        errors.push({
          message: `Nullability mismatch on variable $${value.name} and argument ${where.arg} (${printType(v.type)} / ${printType(expected)})`,
          locations: [where.loc],
          path: [...where.path, where.arg],
          extensions: {
            code: 'variableMismatch',
            variableName: value.name,
            typeName: printType(v.type),
            argumentName: where.arg,
            errorMessage: 'Nullability mismatch'
          }
        })
      }
      return
    }
    if (!literalFits(value, expected)) {
      errors.push({
        message: `Argument '${where.arg}' on Field '${where.field}' has an invalid value (${printValue(value)}). Expected type '${printType(expected)}'.`,
        locations: [where.loc],
        path: [...where.path, where.arg],
        extensions: { code: 'argumentLiteralsIncompatible', typeName: 'Field', argumentName: where.arg }
      })
    }
  }

  function literalFits(value: Value, expected: TypeRef): boolean {
    if (expected.kind === 'nonNull') return value.kind !== 'null' && literalFits(value, expected.of)
    if (value.kind === 'null') return true
    if (expected.kind === 'list') {
      return value.kind === 'list'
        ? value.values.every(v => literalFits(v, expected.of))
        : literalFits(value, expected.of)
    }
    const t = type(expected.name)
    if (value.kind === 'variable') return true
    if (!t) return false
    if (t.kind === 'enum') return value.kind === 'enum' && t.values.includes(value.value)
    if (t.kind !== 'scalar') return false
    if (expected.name === 'Int') return value.kind === 'int'
    if (expected.name === 'Float') return value.kind === 'int' || value.kind === 'float'
    if (expected.name === 'Boolean') return value.kind === 'boolean'
    if (expected.name === 'ID') return value.kind === 'string' || value.kind === 'int'
    return value.kind === 'string'
  }

  function walk(selections: Selection[], parentName: string, path: string[]) {
    const parent = type(parentName)
    for (const sel of selections) {
      if (sel.kind === 'inline') {
        const on = sel.on ?? parentName
        const target = type(on)
        const fragPath = [...path, `... on ${on}`]
        if (!target) {
          errors.push({
            message: `No such type ${on}, so it can't be a fragment condition`,
            locations: [sel.loc],
            path: fragPath,
            extensions: { code: 'undefinedType', typeName: on }
          })
          continue
        }
        const fits =
          on === parentName ||
          (parent?.kind === 'union' && parent.types.includes(on)) ||
          (target.kind === 'union' && target.types.includes(parentName))
        if (!fits) {
          errors.push({
            message: `Fragment on ${on} can't be spread inside ${parentName}`,
            locations: [sel.loc],
            path: fragPath,
            extensions: { code: 'cannotSpreadFragment', typeName: on, fragmentName: 'unknown', parentName }
          })
          continue
        }
        walk(sel.selections, on, fragPath)
        continue
      }
      const fieldPath = [...path, sel.alias ?? sel.name]
      if (sel.name === '__typename') {
        if (sel.selections) errors.push(selectionOnScalar(sel, 'String!', fieldPath))
        continue
      }
      const def = parent?.kind === 'object' ? own(parent.fields, sel.name) : undefined
      if (!def) {
        errors.push({
          message: `Field '${sel.name}' doesn't exist on type '${parentName}'`,
          locations: [sel.loc],
          path: fieldPath,
          extensions: { code: 'undefinedField', typeName: parentName, fieldName: sel.name }
        })
        continue
      }
      const argDefs = def.args ?? {}
      for (const arg of sel.args) {
        const argType = own(argDefs, arg.name)
        if (argType === undefined) {
          errors.push({
            message: `Field '${sel.name}' doesn't accept argument '${arg.name}'`,
            locations: [arg.loc],
            path: [...fieldPath, arg.name],
            extensions: {
              code: 'argumentNotAccepted',
              name: sel.name,
              typeName: 'Field',
              argumentName: arg.name
            }
          })
          continue
        }
        checkValue(arg.value, parseTypeRef(argType), {
          field: sel.name,
          arg: arg.name,
          loc: arg.loc,
          path: fieldPath
        })
      }
      const missing = Object.entries(argDefs)
        .filter(([name, t]) => t.endsWith('!') && !sel.args.some(a => a.name === name))
        .map(([name]) => name)
      if (missing.length > 0) {
        errors.push({
          message: `Field '${sel.name}' is missing required arguments: ${missing.join(', ')}`,
          locations: [sel.loc],
          path: fieldPath,
          extensions: {
            code: 'missingRequiredArguments',
            className: 'Field',
            name: sel.name,
            arguments: missing.join(', ')
          }
        })
      }
      const fieldType = parseTypeRef(def.type)
      const target = type(namedType(fieldType))
      const leaf = target?.kind === 'scalar' || target?.kind === 'enum'
      if (leaf && sel.selections) errors.push(selectionOnScalar(sel, def.type, fieldPath))
      if (!leaf && !sel.selections) {
        errors.push({
          message: `Field must have selections (field '${sel.name}' returns ${def.type} but has no selections. Did you mean '${sel.name} { ... }'?)`,
          locations: [sel.loc],
          path: fieldPath,
          extensions: { code: 'selectionMismatch', nodeName: `field '${sel.name}'`, typeName: def.type }
        })
      }
      if (!leaf && sel.selections) walk(sel.selections, namedType(fieldType), fieldPath)
    }
  }

  function selectionOnScalar(sel: FieldNode, typeName: string, path: string[]): GraphQLError {
    return {
      message: `Selections can't be made on scalars (field '${sel.name}' returns ${typeName} but has selections [${(sel.selections ?? []).map(s => (s.kind === 'field' ? s.name : '...')).join(', ')}])`,
      locations: [sel.loc],
      path,
      extensions: { code: 'selectionMismatch', nodeName: `field '${sel.name}'`, typeName }
    }
  }

  walk(op.selections, schema.query, [opPath])
  for (const v of op.variables) {
    if (!used.has(v.name)) {
      errors.push({
        message: `Variable $${v.name} is declared by ${opLabel} but not used`,
        locations: [v.loc],
        path: [opPath],
        extensions: { code: 'variableNotUsed', variableName: v.name }
      })
    }
  }
  return errors
}

// ---------------------------------------------------------------------------------------------------------------
// Execution

/** A non-null field became null: the null moves up to the nearest nullable field. */
const NULL_BUBBLE = Symbol('null bubble')

/** The request's variables, coerced to their declared types, or the errors GitHub answers with. */
function coerceVariables(
  schema: Schema,
  op: Operation,
  given: Record<string, unknown>
): { ok: true; values: Record<string, unknown> } | { ok: false; errors: GraphQLError[] } {
  const errors: GraphQLError[] = []
  const values: Record<string, unknown> = {}
  const type = (name: string): TypeDef | undefined => lookupType(schema, name)
  const problem = (t: TypeRef, v: unknown): string | null => {
    if (t.kind === 'nonNull')
      return v === null || v === undefined ? 'Expected value to not be null' : problem(t.of, v)
    if (v === null || v === undefined) return null
    if (t.kind === 'list') {
      const items = Array.isArray(v) ? v : [v]
      for (const item of items) {
        const p = problem(t.of, item)
        if (p) return p
      }
      return null
    }
    const def = type(t.name)
    if (def?.kind === 'scalar')
      return def.accepts(v) ? null : `Could not coerce value ${JSON.stringify(v)} to ${t.name}`
    if (def?.kind === 'enum') {
      return typeof v === 'string' && def.values.includes(v)
        ? null
        : `Expected ${JSON.stringify(v)} to be one of: ${def.values.join(', ')}`
    }
    return `${t.name} is not an input type`
  }
  for (const v of op.variables) {
    const provided = Object.prototype.hasOwnProperty.call(given, v.name)
    const raw = provided ? given[v.name] : v.defaultValue ? literal(v.defaultValue, {}) : undefined
    const p = problem(v.type, raw)
    if (p) {
      errors.push({
        message: `Variable $${v.name} of type ${printType(v.type)} was provided invalid value`,
        locations: [v.loc],
        extensions: { value: raw ?? null, problems: [{ path: [], explanation: p }] }
      })
    } else if (raw !== undefined) {
      values[v.name] = raw
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values }
}

async function execute(
  schema: Schema,
  op: Operation,
  variables: Record<string, unknown>
): Promise<{ data: unknown; errors: GraphQLError[] }> {
  const errors: GraphQLError[] = []
  // validated: every type and field named below exists
  const type = (name: string): TypeDef => lookupType(schema, name)!

  /** the fields to answer for an object of type `typeName`, fragments flattened, by response key */
  function collect(
    selections: Selection[],
    typeName: string,
    into = new Map<string, FieldNode[]>()
  ): Map<string, FieldNode[]> {
    for (const sel of selections) {
      if (sel.kind === 'inline') {
        const on = sel.on ?? typeName
        const target = type(on)
        if (on === typeName || (target.kind === 'union' && target.types.includes(typeName)))
          collect(sel.selections, typeName, into)
        continue
      }
      const key = sel.alias ?? sel.name
      into.set(key, [...(into.get(key) ?? []), sel])
    }
    return into
  }

  async function object(
    selections: Selection[],
    typeName: string,
    value: unknown,
    path: (string | number)[]
  ): Promise<Record<string, unknown>> {
    const def = type(typeName)
    const out: Record<string, unknown> = {}
    for (const [key, nodes] of collect(selections, typeName)) {
      const node = nodes[0]!
      if (node.name === '__typename') {
        out[key] = typeName
        continue
      }
      const field = own((def as Extract<TypeDef, { kind: 'object' }>).fields, node.name)!
      const args = Object.fromEntries(
        node.args.map(a => [a.name, literal(a.value, variables)] as const).filter(([, v]) => v !== undefined)
      )
      const fieldPath = [...path, key]
      let raw: unknown
      try {
        raw = field.resolve ? await field.resolve(value, args) : (value as Record<string, unknown>)[node.name]
      } catch (error) {
        if (!(error instanceof FieldError)) throw error
        errors.push({
          message: error.message,
          locations: [node.loc],
          path: fieldPath,
          ...(error.type !== undefined ? { type: error.type } : {}),
          ...(error.extensions !== undefined ? { extensions: error.extensions } : {})
        })
        raw = null
      }
      const subselections = nodes.flatMap(n => n.selections ?? [])
      const fieldType = parseTypeRef(field.type)
      out[key] = await complete(
        fieldType,
        raw,
        subselections,
        fieldPath,
        `${typeName}.${node.name}`,
        node.loc
      ).catch(nullUnlessNonNull(fieldType))
    }
    return out
  }

  async function complete(
    t: TypeRef,
    value: unknown,
    selections: Selection[],
    path: (string | number)[],
    fieldName: string,
    loc: Loc
  ): Promise<unknown> {
    if (t.kind === 'nonNull') {
      const inner = await complete(t.of, value, selections, path, fieldName, loc)
      if (inner === null) {
        // a resolver's error, or one below that bubbled up, already explains this null
        const explained = errors.some(e => e.path !== undefined && path.every((key, i) => e.path![i] === key))
        if (!explained) {
          errors.push({
            message: `Cannot return null for non-nullable field ${fieldName}`,
            locations: [loc],
            path
          })
        }
        throw NULL_BUBBLE
      }
      return inner
    }
    if (value === null || value === undefined) return null
    if (t.kind === 'list') {
      const items: unknown[] = []
      for (const [i, item] of (value as unknown[]).entries()) {
        items.push(
          await complete(t.of, item, selections, [...path, i], fieldName, loc).catch(nullUnlessNonNull(t.of))
        )
      }
      return items
    }
    const def = type(t.name)
    if (def.kind === 'scalar' || def.kind === 'enum') return value
    const concrete = def.kind === 'union' ? def.resolveType(value) : t.name
    return object(selections, concrete, value, path)
  }

  const data = await object(op.selections, schema.query, {}, []).catch(
    nullUnlessNonNull({ kind: 'named', name: schema.query })
  )
  return { data, errors }
}

/** The nearest nullable position (a field or a list item) takes a bubbling null; a non-null one passes it up. */
function nullUnlessNonNull(position: TypeRef): (error: unknown) => null {
  return error => {
    if (error === NULL_BUBBLE && position.kind !== 'nonNull') return null
    throw error
  }
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Answers one GraphQL request body (`{query, variables, operationName}`) as GitHub does with HTTP 200: `{data}`,
 * `{data, errors}` when a field failed, `{errors}` alone when the document or its variables are invalid.
 */
export async function answerGraphQL(
  schema: Schema,
  body: { query?: unknown; variables?: unknown; operationName?: unknown }
): Promise<{ data?: unknown; errors?: GraphQLError[] }> {
  if (typeof body.query !== 'string') {
    return { errors: [{ message: 'A query attribute must be specified and must be a string.' }] }
  }
  let operations: Operation[]
  try {
    operations = parseDocument(body.query)
  } catch (error) {
    if (!(error instanceof ParseError)) throw error
    return { errors: [{ message: error.message, locations: [error.loc] }] }
  }
  const named =
    typeof body.operationName === 'string' ? operations.find(o => o.name === body.operationName) : undefined
  const op = named ?? (operations.length === 1 ? operations[0] : undefined)
  if (!op) {
    return { errors: [{ message: 'An operation name is required' }] }
  }
  if (op.operation !== 'query') {
    return {
      errors: [
        { message: `The fake GitHub answers queries only, not a ${op.operation}`, locations: [op.loc] }
      ]
    }
  }
  const invalid = validate(schema, op)
  if (invalid.length > 0) return { errors: invalid }
  const given =
    typeof body.variables === 'object' && body.variables !== null && !Array.isArray(body.variables)
      ? (body.variables as Record<string, unknown>)
      : {}
  const coerced = coerceVariables(schema, op, given)
  if (!coerced.ok) return { errors: coerced.errors }
  const { data, errors } = await execute(schema, op, coerced.values)
  return errors.length > 0 ? { data, errors } : { data }
}
