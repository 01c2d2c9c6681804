import {
  buildUsersProblem,
  parseBuildUsersSettings,
  parseGroupLine
} from '../../src/nix/build-users.js'

const nixbld = { members: ['nixbld1', 'nixbld2'] }

describe('buildUsersProblem', () => {
  test('a root Nix on a local store whose group is missing cannot build, and the error says how to fix it', () => {
    for (const store of ['auto', 'local', '', 'local?root=/x']) {
      const problem = buildUsersProblem({ buildUsersGroup: 'nixbld', store }, undefined, true)
      expect(problem).toContain('build-users-group = nixbld')
      expect(problem).toContain('nix-setup-systemd')
      expect(problem).toContain('`build-users-group =` (empty)')
    }
  })

  test('a group without members is a problem too (Nix refuses it when it builds)', () => {
    expect(
      buildUsersProblem({ buildUsersGroup: 'nixbld', store: 'auto' }, { members: [] }, true)
    ).toContain('has no members')
  })

  test('nothing to check: group present, group setting empty, a daemon, or not root', () => {
    expect(buildUsersProblem({ buildUsersGroup: 'nixbld', store: 'auto' }, nixbld, true)).toBe(
      undefined
    )
    expect(buildUsersProblem({ buildUsersGroup: '', store: 'auto' }, undefined, true)).toBe(
      undefined
    )
    expect(buildUsersProblem({ buildUsersGroup: 'nixbld', store: 'daemon' }, undefined, true)).toBe(
      undefined
    )
    expect(buildUsersProblem({ buildUsersGroup: 'nixbld', store: 'auto' }, undefined, false)).toBe(
      undefined
    )
  })
})

test('parseBuildUsersSettings reads the values of nix show-config --json', () => {
  const json = JSON.stringify({
    'build-users-group': { value: 'nixbld', defaultValue: '' },
    store: { value: 'daemon', defaultValue: 'auto' },
    'max-jobs': { value: 2 }
  })
  expect(parseBuildUsersSettings(json)).toEqual({ buildUsersGroup: 'nixbld', store: 'daemon' })
  expect(parseBuildUsersSettings('{}')).toEqual({ buildUsersGroup: '', store: 'auto' })
})

test('parseGroupLine takes the members of a getent group line', () => {
  expect(parseGroupLine('nixbld:x:994:nixbld1,nixbld2\n')).toEqual({
    members: ['nixbld1', 'nixbld2']
  })
  expect(parseGroupLine('nixbld:x:994:')).toEqual({ members: [] })
})
