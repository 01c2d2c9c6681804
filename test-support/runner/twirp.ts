/** Twirp's error model: a JSON body `{code, msg}` whose code fixes the HTTP status. */

export type TwirpCode =
  | 'invalid_argument'
  | 'malformed'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'already_exists'
  | 'failed_precondition'
  | 'resource_exhausted'
  | 'internal'
  | 'unimplemented'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'bad_route'

const STATUS_OF_CODE: Record<TwirpCode, number> = {
  invalid_argument: 400,
  malformed: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 412,
  resource_exhausted: 429,
  internal: 500,
  unimplemented: 501,
  unavailable: 503,
  deadline_exceeded: 408,
  bad_route: 404
}

export class TwirpError extends Error {
  constructor(
    readonly code: TwirpCode,
    message: string,
    /** For injected faults, whose status need not be the one the code implies. */
    private readonly statusOverride?: number
  ) {
    super(message)
    this.name = 'TwirpError'
  }

  get status(): number {
    return this.statusOverride ?? STATUS_OF_CODE[this.code]
  }

  toJSON(): { code: TwirpCode; msg: string } {
    return { code: this.code, msg: this.message }
  }
}

/** The Twirp code a real server would send with a given HTTP status. */
export function twirpCodeForStatus(status: number): TwirpCode {
  switch (status) {
    case 400:
      return 'invalid_argument'
    case 401:
      return 'unauthenticated'
    case 403:
      return 'permission_denied'
    case 404:
      return 'not_found'
    case 408:
      return 'deadline_exceeded'
    case 409:
      return 'already_exists'
    case 412:
      return 'failed_precondition'
    case 429:
      return 'resource_exhausted'
    case 501:
      return 'unimplemented'
    case 503:
      return 'unavailable'
    default:
      return 'internal'
  }
}
