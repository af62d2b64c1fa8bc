// The query documents of fake-graphql.ts: GraphQL's lexical grammar and the part of its syntax the project's
// queries use (one operation with its variables, fields with aliases and arguments, inline fragments), with the line
// and column of each node for GitHub-shaped errors. Named fragments, directives and block strings are refused with a
// ParseError naming them.

/** A type as a document or the fake's schema writes it: `String!`, `[PullRequestCommit]`. */
export type TypeRef =
  { kind: 'named'; name: string } | { kind: 'list'; of: TypeRef } | { kind: 'nonNull'; of: TypeRef }

export function namedType(type: TypeRef): string {
  return type.kind === 'named' ? type.name : namedType(type.of)
}

export function printType(type: TypeRef): string {
  return type.kind === 'named'
    ? type.name
    : type.kind === 'list'
      ? `[${printType(type.of)}]`
      : `${printType(type.of)}!`
}

export interface Loc {
  line: number
  column: number
}

export type Value =
  | { kind: 'variable'; name: string }
  | { kind: 'int' | 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'enum'; value: string }
  | { kind: 'list'; values: Value[] }
  | { kind: 'object'; fields: Record<string, Value> }

export interface FieldNode {
  kind: 'field'
  alias: string | null
  name: string
  args: { name: string; value: Value; loc: Loc }[]
  selections: Selection[] | null
  loc: Loc
}

export interface InlineFragmentNode {
  kind: 'inline'
  on: string | null
  selections: Selection[]
  loc: Loc
}

export type Selection = FieldNode | InlineFragmentNode

export interface VariableDefinition {
  name: string
  type: TypeRef
  defaultValue: Value | null
  loc: Loc
}

export interface Operation {
  operation: string
  name: string | null
  variables: VariableDefinition[]
  selections: Selection[]
  loc: Loc
}

export class ParseError extends Error {
  constructor(
    message: string,
    readonly loc: Loc
  ) {
    super(message)
  }
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t'
}

interface Token {
  kind: 'punct' | 'name' | 'int' | 'float' | 'string' | 'eof'
  text: string
  /** the string's value, unescaped */
  value?: string
  loc: Loc
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const loc = (at: number): Loc => ({ line, column: at - lineStart + 1 })
  while (i < source.length) {
    const c = source[i]!
    if (c === '\n') {
      i++
      line++
      lineStart = i
    } else if (c === ' ' || c === '\t' || c === '\r' || c === ',' || c === '\ufeff') {
      i++
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++
    } else if (source.startsWith('...', i)) {
      tokens.push({ kind: 'punct', text: '...', loc: loc(i) })
      i += 3
    } else if ('!$&():=@[]{|}'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, loc: loc(i) })
      i++
    } else if (/[_A-Za-z]/.test(c)) {
      const m = /^[_A-Za-z][_0-9A-Za-z]*/.exec(source.slice(i))!
      tokens.push({ kind: 'name', text: m[0], loc: loc(i) })
      i += m[0].length
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i))
      if (!m) throw new ParseError(`Parse error on "${c}" at [${line}, ${i - lineStart + 1}]`, loc(i))
      tokens.push({ kind: m[2] || m[3] ? 'float' : 'int', text: m[0], loc: loc(i) })
      i += m[0].length
    } else if (c === '"') {
      const start = loc(i)
      if (source.startsWith('"""', i))
        throw new ParseError('The fake GitHub does not support block strings', start)
      let j = i + 1
      let value = ''
      while (j < source.length && source[j] !== '"') {
        if (source[j] === '\n') throw new ParseError('Parse error: unterminated string', start)
        if (source[j] === '\\') {
          const e = source[j + 1]
          if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
            value += ESCAPES[e]
            j += 2
          } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(j + 2, j + 6))) {
            value += String.fromCharCode(parseInt(source.slice(j + 2, j + 6), 16))
            j += 6
          } else {
            throw new ParseError(
              `Parse error: bad escape in a string at [${line}, ${j - lineStart + 1}]`,
              start
            )
          }
        } else {
          value += source[j]
          j++
        }
      }
      if (j >= source.length) throw new ParseError('Parse error: unterminated string', start)
      tokens.push({ kind: 'string', text: source.slice(i, j + 1), value, loc: start })
      i = j + 1
    } else {
      throw new ParseError(`Parse error on "${c}" at [${line}, ${i - lineStart + 1}]`, loc(i))
    }
  }
  tokens.push({ kind: 'eof', text: 'end of file', loc: loc(i) })
  return tokens
}

/** The operations of a query document, or a ParseError with GitHub's wording and the place. */
export function parseDocument(source: string): Operation[] {
  const tokens = tokenize(source)
  let at = 0
  const peek = (): Token => tokens[at]!
  const fail = (token: Token): never => {
    throw new ParseError(
      `Parse error on ${token.kind === 'eof' ? 'end of file' : JSON.stringify(token.text)} at [${token.loc.line}, ${token.loc.column}]`,
      token.loc
    )
  }
  const punct = (text: string): boolean => peek().kind === 'punct' && peek().text === text
  const expect = (text: string): Token => (punct(text) ? tokens[at++]! : fail(peek()))
  const name = (): Token => (peek().kind === 'name' ? tokens[at++]! : fail(peek()))

  function type(): TypeRef {
    let t: TypeRef
    if (punct('[')) {
      at++
      t = { kind: 'list', of: type() }
      expect(']')
    } else {
      t = { kind: 'named', name: name().text }
    }
    if (punct('!')) {
      at++
      t = { kind: 'nonNull', of: t }
    }
    return t
  }

  function value(constant: boolean): Value {
    const token = peek()
    if (token.kind === 'punct' && token.text === '$' && !constant) {
      at++
      return { kind: 'variable', name: name().text }
    }
    if (token.kind === 'int' || token.kind === 'float') {
      at++
      return { kind: token.kind, value: Number(token.text) }
    }
    if (token.kind === 'string') {
      at++
      return { kind: 'string', value: token.value ?? '' }
    }
    if (token.kind === 'name') {
      at++
      if (token.text === 'true' || token.text === 'false')
        return { kind: 'boolean', value: token.text === 'true' }
      if (token.text === 'null') return { kind: 'null' }
      return { kind: 'enum', value: token.text }
    }
    if (punct('[')) {
      at++
      const values: Value[] = []
      while (!punct(']')) values.push(value(constant))
      at++
      return { kind: 'list', values }
    }
    if (punct('{')) {
      at++
      const fields: Record<string, Value> = {}
      while (!punct('}')) {
        const key = name().text
        expect(':')
        fields[key] = value(constant)
      }
      at++
      return { kind: 'object', fields }
    }
    return fail(token)
  }

  function selectionSet(): Selection[] {
    expect('{')
    const selections: Selection[] = []
    while (!punct('}')) {
      if (punct('...')) {
        const loc = tokens[at++]!.loc
        if (peek().kind === 'name' && peek().text === 'on') {
          at++
          selections.push({ kind: 'inline', on: name().text, selections: selectionSet(), loc })
        } else if (punct('{')) {
          selections.push({ kind: 'inline', on: null, selections: selectionSet(), loc })
        } else {
          throw new ParseError('The fake GitHub does not support named fragments', loc)
        }
        continue
      }
      if (punct('@')) throw new ParseError('The fake GitHub does not support directives', peek().loc)
      const first = name()
      let alias: string | null = null
      let fieldName = first.text
      if (punct(':')) {
        at++
        alias = first.text
        fieldName = name().text
      }
      const args: FieldNode['args'] = []
      if (punct('(')) {
        at++
        while (!punct(')')) {
          const arg = name()
          expect(':')
          args.push({ name: arg.text, value: value(false), loc: arg.loc })
        }
        at++
      }
      if (punct('@')) throw new ParseError('The fake GitHub does not support directives', peek().loc)
      selections.push({
        kind: 'field',
        alias,
        name: fieldName,
        args,
        selections: punct('{') ? selectionSet() : null,
        loc: first.loc
      })
    }
    at++
    if (selections.length === 0) fail(tokens[at - 1]!)
    return selections
  }

  const operations: Operation[] = []
  while (peek().kind !== 'eof') {
    const loc = peek().loc
    if (punct('{')) {
      operations.push({ operation: 'query', name: null, variables: [], selections: selectionSet(), loc })
      continue
    }
    const keyword = name()
    if (keyword.text === 'fragment')
      throw new ParseError('The fake GitHub does not support named fragments', loc)
    if (!['query', 'mutation', 'subscription'].includes(keyword.text)) fail(keyword)
    const opName = peek().kind === 'name' ? name().text : null
    const variables: VariableDefinition[] = []
    if (punct('(')) {
      at++
      while (!punct(')')) {
        const vloc = expect('$').loc
        const vname = name().text
        expect(':')
        const vtype = type()
        let defaultValue: Value | null = null
        if (punct('=')) {
          at++
          defaultValue = value(true)
        }
        variables.push({ name: vname, type: vtype, defaultValue, loc: vloc })
      }
      at++
    }
    operations.push({ operation: keyword.text, name: opName, variables, selections: selectionSet(), loc })
  }
  if (operations.length === 0) fail(peek())
  return operations
}

/** A literal as the document wrote it, for error messages. */
export function printValue(value: Value): string {
  switch (value.kind) {
    case 'variable':
      return `$${value.name}`
    case 'string':
      return JSON.stringify(value.value)
    case 'null':
      return 'null'
    case 'list':
      return `[${value.values.map(printValue).join(', ')}]`
    case 'object':
      return `{${Object.entries(value.fields)
        .map(([k, v]) => `${k}: ${printValue(v)}`)
        .join(', ')}}`
    default:
      return String(value.value)
  }
}

/** An argument's value as JSON, variables substituted. */
export function literal(value: Value, variables: Record<string, unknown>): unknown {
  switch (value.kind) {
    case 'variable':
      return variables[value.name]
    case 'null':
      return null
    case 'list':
      return value.values.map(v => literal(v, variables))
    case 'object':
      return Object.fromEntries(Object.entries(value.fields).map(([k, v]) => [k, literal(v, variables)]))
    default:
      return value.value
  }
}
