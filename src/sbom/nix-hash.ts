/**
 * Nix prints a store path's NAR hash as SRI (`sha256-<base64>`, Nix >= 2.4) or as
 * `sha256:<nix32>` (older Nix, and `ca` fields); CycloneDX wants hex. Pure.
 */

/** Nix's base-32 alphabet: no e, o, u, t, so no words can be spelled by accident. */
const NIX32_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz'

/** Decode Nix base-32 (least significant 5-bit group last in the text) into bytes. */
export function decodeNix32(text: string, byteLength: number): Buffer {
  if (text.length !== Math.ceil((byteLength * 8) / 5))
    throw new Error(`${text} is not ${byteLength} bytes of Nix base-32`)
  const bytes = Buffer.alloc(byteLength)
  for (let n = 0; n < text.length; n++) {
    const digit = NIX32_ALPHABET.indexOf(text[text.length - 1 - n] ?? '')
    if (digit < 0) throw new Error(`${text} is not Nix base-32`)
    const bit = n * 5
    const i = Math.floor(bit / 8)
    const j = bit % 8
    bytes[i] = (bytes[i] ?? 0) | ((digit << j) & 0xff)
    if (i + 1 < byteLength) bytes[i + 1] = (bytes[i + 1] ?? 0) | (digit >> (8 - j))
    else if (digit >> (8 - j) !== 0) throw new Error(`${text} overflows ${byteLength} bytes`)
  }
  return bytes
}

/** The hex SHA-256 of a Nix hash string, or null when it is not a SHA-256 Nix can print. */
export function narHashToHex(narHash: string): string | null {
  const sri = /^sha256-([A-Za-z0-9+/]{43}=)$/.exec(narHash)
  if (sri) return Buffer.from(sri[1] ?? '', 'base64').toString('hex')
  const prefixed = /^sha256:([0-9a-z]+)$/.exec(narHash)
  if (!prefixed) return null
  const body = prefixed[1] ?? ''
  if (/^[0-9a-f]{64}$/.test(body)) return body
  try {
    return decodeNix32(body, 32).toString('hex')
  } catch {
    return null
  }
}
