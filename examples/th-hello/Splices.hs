{-# LANGUAGE TemplateHaskell #-}
-- | Splices that only run in an interpreter for the target: a compile-time computation and
-- a declaration generated from a list, the two things TH-using libraries do most.
module Splices (fibAtCompileTime, declareGreetings) where

import Language.Haskell.TH

fibs :: [Integer]
fibs = 0 : 1 : zipWith (+) fibs (tail fibs)

-- | The 90th Fibonacci number, computed by the compiler's interpreter.
fibAtCompileTime :: Q Exp
fibAtCompileTime = litE (integerL (fibs !! 90))

-- | One function `greet<Name> :: String` per name.
declareGreetings :: [String] -> Q [Dec]
declareGreetings names = concat <$> mapM declare names
  where
    declare name = do
      let fn = mkName ("greet" ++ name)
      sequence [sigD fn (conT ''String), valD (varP fn) (normalB (litE (stringL ("hello, " ++ name)))) []]
