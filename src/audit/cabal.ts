/**
 * What a package's cabal file and its sources declare about Template Haskell: the
 * `default-extensions` / `other-extensions` of every stanza, and the LANGUAGE pragmas of its
 * modules. Pure.
 */

/** Extensions that run or write splices: TH proper and quasi-quotes. */
export const SPLICE_EXTENSIONS = ['TemplateHaskell', 'QuasiQuotes'] as const
/** Quotes only: no splice runs at compile time, so no interpreter is needed. */
export const QUOTE_EXTENSIONS = ['TemplateHaskellQuotes'] as const
const WATCHED = new Set<string>([...SPLICE_EXTENSIONS, ...QUOTE_EXTENSIONS])

function words(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter((w) => w !== '')
}

/** Every extension listed in the cabal file's default-extensions and other-extensions fields. */
export function cabalExtensions(cabal: string): string[] {
  const lines = cabal.split('\n').map((l) => l.replace(/--.*$/, '').replace(/\r$/, ''))
  const found: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(default|other)-extensions\s*:(.*)$/i.exec(lines[i] ?? '')
    if (!m) continue
    const indent = (m[1] ?? '').length
    const values = [m[3] ?? '']
    // A field continues on lines indented deeper than its name.
    while (i + 1 < lines.length) {
      const next = lines[i + 1] ?? ''
      if (next.trim() !== '' && next.length - next.trimStart().length <= indent) break
      values.push(next)
      i++
    }
    found.push(...words(values.join(' ')))
  }
  return [...new Set(found)]
}

/** Extensions a module turns on with `{-# LANGUAGE ... #-}` pragmas. */
export function pragmaExtensions(source: string): string[] {
  const found: string[] = []
  for (const m of source.matchAll(/\{-#\s*LANGUAGE\s+([^#]*?)\s*#-\}/gi))
    found.push(...words(m[1] ?? ''))
  return [...new Set(found)]
}

/** The watched (TH-related) extensions among `extensions`, sorted. */
export function thExtensions(extensions: readonly string[]): string[] {
  return [...new Set(extensions.filter((e) => WATCHED.has(e)))].sort()
}

/** Whether these extensions mean splices run while compiling (quotes alone do not). */
export function runsSplices(extensions: readonly string[]): boolean {
  return extensions.some((e) => (SPLICE_EXTENSIONS as readonly string[]).includes(e))
}
