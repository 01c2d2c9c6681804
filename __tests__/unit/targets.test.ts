import { TARGETS, TARGET_NAMES, findTarget } from '../../src/targets.js'

describe('target registry', () => {
  test('lists the eight supported Linux targets', () => {
    expect(TARGET_NAMES).toEqual([
      'x86_64-linux',
      'aarch64-linux',
      'armv7l-linux',
      'armv6l-linux',
      'riscv64-linux',
      'powerpc64le-linux',
      's390x-linux',
      'i686-linux'
    ])
  })
  test('knows armv7l facts', () => {
    expect(findTarget('armv7l-linux')).toMatchObject({
      qemu: 'qemu-arm',
      elf: { class: 32, machine: 40 }
    })
    expect(TARGETS.get('sparc-linux')).toBeUndefined()
  })
  test('maps every target to the exact OCI platform registries match on', () => {
    const platforms = Object.fromEntries([...TARGETS.values()].map((t) => [t.name, t.ociPlatform]))
    expect(platforms).toEqual({
      'x86_64-linux': { architecture: 'amd64' },
      'aarch64-linux': { architecture: 'arm64' },
      'armv7l-linux': { architecture: 'arm', variant: 'v7' },
      'armv6l-linux': { architecture: 'arm', variant: 'v6' },
      'riscv64-linux': { architecture: 'riscv64' },
      'powerpc64le-linux': { architecture: 'ppc64le' },
      's390x-linux': { architecture: 's390x' },
      'i686-linux': { architecture: '386' }
    })
  })
})
