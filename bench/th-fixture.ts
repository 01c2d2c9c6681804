/**
 * A generated Template Haskell module set, the kind of code a PostgREST-like project compiles:
 * records with aeson's `deriveJSON` (library TH that reifies types and builds instances), a local
 * `makeLenses`-like generator (reify + generated signatures and functions), a compile-time
 * computed table (ordinary code run in the interpreter) and a quasi-quoter.
 *
 * `Empty.hs` has one empty splice and nothing else: compiling it alone measures what a mode costs
 * before any real work (GHC start, interpreter start, under qemu or not).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface ThFixtureSize {
  /** Modules of records. */
  modules: number
  /** Records per module; each gets deriveJSON and generated setters. */
  records: number
  /** Fields per record. */
  fields: number
}

const GEN = `{-# LANGUAGE TemplateHaskell #-}
-- Local TH: setters generated from a reified record (makeLenses-like), a table computed at
-- compile time, and a quasi-quoter.
module Gen (makeSetters, primesTable, txt) where

import Language.Haskell.TH
import Language.Haskell.TH.Quote

makeSetters :: Name -> Q [Dec]
makeSetters ty = do
  info <- reify ty
  fields <- case info of
    TyConI (DataD _ _ _ _ [RecC _ fs] _) -> pure fs
    _ -> fail ("makeSetters: not a single-constructor record: " ++ show ty)
  concat <$> mapM setter fields
  where
    setter (field, _, fieldType) = do
      let name = mkName ("set_" ++ nameBase field)
      x <- newName "x"
      r <- newName "r"
      sig <- sigD name [t| $(pure fieldType) -> $(conT ty) -> $(conT ty) |]
      def <- funD name [clause [varP x, varP r] (normalB (recUpdE (varE r) [pure (field, VarE x)])) []]
      pure [sig, def]

primesTable :: Int -> Q Exp
primesTable n = listE (map (litE . integerL) (take n (sieve [2 ..])))
  where sieve (p : xs) = p : sieve [x | x <- xs, x \`mod\` p /= 0]
        sieve [] = []

txt :: QuasiQuoter
txt = QuasiQuoter
  { quoteExp = stringE . unwords . words
  , quotePat = const (fail "txt: expressions only")
  , quoteType = const (fail "txt: expressions only")
  , quoteDec = const (fail "txt: expressions only")
  }
`

const EMPTY = `{-# LANGUAGE TemplateHaskell #-}
module Empty where

$(pure [])
`

const FIELD_TYPES = ['Int', 'Text', 'Maybe Int', 'Bool', '[Text]', 'Double', 'Maybe Text', '[Int]']

function typesModule(index: number, size: ThFixtureSize): string {
  const lines = [
    '{-# LANGUAGE TemplateHaskell, QuasiQuotes #-}',
    `module Types${index} where`,
    '',
    'import Data.Aeson.TH (defaultOptions, deriveJSON)',
    'import Data.Text (Text)',
    'import Gen',
    ''
  ]
  for (let r = 0; r < size.records; r++) {
    const name = `R${index}x${r}`
    const prefix = `r${index}x${r}`
    const fields = Array.from(
      { length: size.fields },
      (_, f) => `${prefix}f${f} :: ${FIELD_TYPES[(f + r) % FIELD_TYPES.length]}`
    )
    lines.push(
      `data ${name} = ${name}`,
      `  { ${fields.join('\n  , ')}`,
      '  } deriving (Show, Eq)',
      ''
    )
    lines.push(`$(deriveJSON defaultOptions ''${name})`, `$(makeSetters ''${name})`, '')
  }
  lines.push(`primes${index} :: [Integer]`, `primes${index} = $(primesTable 200)`, '')
  lines.push(
    `about${index} :: String`,
    `about${index} = [txt| module ${index} of a generated   Template Haskell set |]`,
    ''
  )
  return lines.join('\n')
}

/** Writes Gen.hs, Empty.hs and Types0..N-1.hs into dir; returns the modules to compile. */
export function writeThFixture(
  dir: string,
  size: ThFixtureSize
): { empty: string; modules: string[] } {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'Gen.hs'), GEN)
  writeFileSync(join(dir, 'Empty.hs'), EMPTY)
  const modules: string[] = []
  for (let i = 0; i < size.modules; i++) {
    const file = join(dir, `Types${i}.hs`)
    writeFileSync(file, typesModule(i, size))
    modules.push(file)
  }
  return { empty: join(dir, 'Empty.hs'), modules }
}
