/** Names of the values main hands to post through GITHUB_STATE. */
export enum State {
  /** Set once inputs were valid and main went past planning; post does nothing without it. */
  Planned = 'planned',
  /** JSON written by the binary cache restore; post saves only when it is there. */
  BinaryCache = 'binary-cache',
  /** JSON of what binfmt registration changed, so post can put it back. */
  Binfmt = 'binfmt'
}

export enum Output {
  Results = 'results',
  Plan = 'plan',
  Targets = 'targets',
  ArtifactsDir = 'artifacts-dir',
  CacheHit = 'cache-hit',
  FailedTargets = 'failed-targets',
  ImageDigest = 'image-digest',
  ImagePlatformDigests = 'image-platform-digests'
}
