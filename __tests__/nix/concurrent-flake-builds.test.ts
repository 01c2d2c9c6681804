/**
 * Concurrent builds of one flake, as targets built with max-parallel > 1 are: with the real
 * Nix, four `nix build`s of one flake at once, each with the flags the action passes, on an
 * empty evaluation cache. All succeed, and none logs the eval-cache SQLite `is busy` error
 * that Nix's evaluation cache otherwise prints when several builds share its file.
 */
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nixBuild } from '../../src/nix/build.js'
import { offlineNixEnv } from '../../test-support/project.js'

const ATTRS = ['a', 'b', 'c', 'd']

function slowFlake(): string {
  const dir = mkdtempSync(join(tmpdir(), 'concurrent-flake-'))
  // Each build takes a few seconds, so that the four evaluations and builds overlap.
  writeFileSync(
    join(dir, 'flake.nix'),
    `{
  outputs = { self }: {
    packages.x86_64-linux = builtins.listToAttrs (map (n: {
      name = n;
      value = builtins.derivation {
        name = "slow-\${n}";
        system = "x86_64-linux";
        builder = "/bin/sh";
        args = [ "-c" "/bin/sleep 3; echo \${n} > $out" ];
        salt = "${randomUUID()}";
      };
    }) [ ${ATTRS.map((a) => `"${a}"`).join(' ')} ]);
  };
}
`
  )
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' })
  git('init', '-q')
  git('add', '-A')
  git('-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-qm', 'flake')
  return dir
}

const created: string[] = []
afterAll(() => {
  if (created.length > 0)
    execFileSync(
      'nix',
      ['--extra-experimental-features', 'nix-command', 'store', 'delete', ...created],
      { stdio: 'pipe', env: { ...process.env, ...offlineNixEnv() } }
    )
})

test('four concurrent builds of one flake all succeed and log no busy eval cache', async () => {
  const flake = slowFlake()
  const cacheHome = join(flake, '.xdg-cache')
  mkdirSync(cacheHome)
  const env = { ...offlineNixEnv(), XDG_CACHE_HOME: cacheHome }
  const outcomes = await Promise.all(
    ATTRS.map((attr) => nixBuild(['build', '--no-link', `${flake}#${attr}`], { env, echo: false }))
  )
  created.push(...outcomes.flatMap((o) => o.outPaths))
  expect(outcomes.map((o) => o.ok)).toEqual(ATTRS.map(() => true))
  // Only the evaluation cache's file counts: the store's own database may report itself busy
  // while four processes register paths, and Nix waits and retries that by design.
  for (const outcome of outcomes) expect(outcome.log).not.toMatch(/eval-cache-v\d+\/\S+ is busy/)
}, 300000)
