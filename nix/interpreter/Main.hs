{-# LANGUAGE CPP #-}
-- | A target-side GHC external interpreter ("iserv") that speaks GHC's pipe protocol on the two
-- descriptors GHC passes as its first arguments. It is built with the cross GHC and started
-- under qemu-user by the wrapper from ../iserv-wrapper.nix.
--
-- Why not the iserv that ships with GHC: a cross GHC built by Hadrian stops at Stage1 and has
-- no target iserv program, but it does ship the target `ghci` library (and `libiserv` on
-- GHC < 9.8), which holds the server loop. See GHC's utils/iserv and Note [Remote GHCi] in
-- compiler/GHC/Runtime/Interpreter.hs.
module Main (main) where

#if __GLASGOW_HASKELL__ >= 908
-- GHC 9.8 moved the server loop and its argument handling into the ghci library.
import GHCi.Server (defaultServer)

main :: IO ()
main = defaultServer

#else
import Control.Exception (uninterruptibleMask)
import Data.IORef (newIORef)
import GHCi.Message (Pipe (..))
import GHCi.Signals (installSignalHandlers)
import GHCi.Utils (getGhcHandle)
import System.Environment (getArgs, getProgName)
import System.Exit (exitWith, ExitCode (..))
import System.IO (hPutStrLn, stderr)
# if __GLASGOW_HASKELL__ >= 902
import IServ (serv)
# else
import Lib (serv)
# endif

main :: IO ()
main = do
  args <- getArgs
  (writeFd, readFd, verbose) <- case args of
    [w, r] -> pure (read w, read r, False)
    [w, r, "-v"] -> pure (read w, read r, True)
    _ -> usage
  fromGhc <- getGhcHandle readFd
  toGhc <- getGhcHandle writeFd
  installSignalHandlers
  leftovers <- newIORef Nothing
  let pipe = Pipe {pipeRead = fromGhc, pipeWrite = toGhc, pipeLeftovers = leftovers}
  uninterruptibleMask (serv verbose pure pipe)

usage :: IO a
usage = do
  prog <- getProgName
  hPutStrLn stderr (prog ++ ": usage: " ++ prog ++ " <write-fd> <read-fd> [-v]")
  exitWith (ExitFailure 1)
#endif
