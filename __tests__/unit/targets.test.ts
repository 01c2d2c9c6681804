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
})
