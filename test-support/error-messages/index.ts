/**
 * The error messages the action can show a user, collected from the TypeScript sources, and
 * the check that docs/TROUBLESHOOTING.md explains each one.
 *
 * Collected: the message argument of `new <Something>Error(...)` (thrown or kept as a target's
 * error), `core.setFailed(...)` and `core.error(...)`: of the call's arguments, the one with
 * the most literal text (`new InputError(input, message)` puts it second). String literals, templates and `+`
 * joins are read as text; every part computed at run time (a `${}` or any other expression)
 * becomes a wildcard. A message with no literal text of its own says nothing to look up and
 * is left out.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

/** Text parts of a message; `null` marks a part only known at run time. */
export type MessagePart = string | null

export interface ErrorMessage {
  /** File and line of the call, e.g. `src/inputs/parse.ts:42`. */
  where: string
  parts: MessagePart[]
}

const WILDCARD = null

function partsOf(node: ts.Expression): MessagePart[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text]
  if (ts.isTemplateExpression(node)) {
    const parts: MessagePart[] = [node.head.text]
    for (const span of node.templateSpans) parts.push(WILDCARD, span.literal.text)
    return parts
  }
  if (ts.isParenthesizedExpression(node)) return partsOf(node.expression)
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return [...partsOf(node.left), ...partsOf(node.right)]
  }
  return [WILDCARD]
}

/** Adjacent wildcards merged, empty text dropped. */
function normalised(parts: MessagePart[]): MessagePart[] {
  const out: MessagePart[] = []
  for (const part of parts) {
    if (part === '') continue
    const last = out[out.length - 1]
    if (part === null && out.length > 0 && last === null) continue
    if (typeof part === 'string' && typeof last === 'string') out[out.length - 1] = last + part
    else out.push(part)
  }
  return out
}

const literalLength = (parts: MessagePart[]) =>
  parts.reduce((sum, part) => sum + (part === null ? 0 : part.length), 0)

function isMessageCall(node: ts.Node): node is ts.NewExpression | ts.CallExpression {
  if (ts.isNewExpression(node))
    return ts.isIdentifier(node.expression) && /Error$/.test(node.expression.text)
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
    const { expression, name } = node.expression
    return (
      ts.isIdentifier(expression) &&
      expression.text === 'core' &&
      ['setFailed', 'error'].includes(name.text)
    )
  }
  return false
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) return sourceFiles(path)
      return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : []
    })
}

/** Every user-facing error message in the sources under `root`/src. */
export function collectErrorMessages(root: string): ErrorMessage[] {
  const messages: ErrorMessage[] = []
  for (const file of sourceFiles(join(root, 'src'))) {
    const source = ts.createSourceFile(
      file,
      readFileSync(file, 'utf8'),
      ts.ScriptTarget.ES2022,
      true
    )
    const visit = (node: ts.Node): void => {
      if (isMessageCall(node)) {
        const candidates = (node.arguments ?? []).map((argument) => normalised(partsOf(argument)))
        const parts = candidates.sort((a, b) => literalLength(b) - literalLength(a))[0]
        if (parts) {
          if (parts.some((part) => typeof part === 'string' && /[a-z]{3}/i.test(part))) {
            const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
            messages.push({ where: `${relative(root, file)}:${line}`, parts })
          }
        }
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  return messages
}

/** The message as the page may write it: run-time parts shown as `…`. */
export function messageText(message: ErrorMessage): string {
  return message.parts.map((part) => part ?? '…').join('')
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Whether the page explains the message: one line of the page holds its literal parts in
 * order, whatever stands in for the run-time parts. Whitespace runs compare equal, and a
 * message's line breaks may be a page's spaces.
 */
export function pageExplains(page: string, message: ErrorMessage): boolean {
  const literal = (text: string) => text.trim().split(/\s+/).map(escapeRegExp).join('\\s+')
  const pattern = new RegExp(
    message.parts
      .map((part) => (part === null ? '.*?' : literal(part)))
      .filter((piece) => piece !== '')
      .join('.*?')
  )
  return page.split('\n').some((line) => pattern.test(line))
}

/** Messages of the sources under `root` that `page` does not explain. */
export function missingFromPage(root: string, page: string): ErrorMessage[] {
  return collectErrorMessages(root).filter((message) => !pageExplains(page, message))
}
