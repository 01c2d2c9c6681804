{-# LANGUAGE TemplateHaskell #-}
module Main (main) where

import Splices
import System.Environment (getArgs)

$(declareGreetings ["World"])

main :: IO ()
main = do
  args <- getArgs
  if args == ["--version"]
    then putStrLn ("th-hello 0.1.0 (fib 90 = " ++ show ($(fibAtCompileTime) :: Integer) ++ ")")
    else putStrLn greetWorld
