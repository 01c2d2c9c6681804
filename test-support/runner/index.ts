export { startServices } from './services.js'
export type { Services, StartServicesOptions, WorkflowRun, DownloadedArtifact } from './services.js'
export { runAction } from './run-action.js'
export type {
  RunActionOptions,
  ActionRunResult,
  StepResult,
  StepAnnotation,
  StepStage
} from './run-action.js'
export { artifactStorageQuotaFault, FaultRegistry, CallLog } from './faults.js'
export type {
  FaultSpec,
  ActiveFault,
  CallRecord,
  ServiceName,
  CacheMethod,
  ArtifactMethod,
  BlobMethod,
  BlobKind
} from './faults.js'
export type { CacheEntry } from './cache-service.js'
export type { StoredArtifact } from './artifact-service.js'
export type { Annotation, AnnotationLevel, LogGroup } from './workflow-commands.js'
export { parseWorkflowCommands } from './workflow-commands.js'
export { parseKeyValueFile, parsePathFile } from './file-commands.js'
export { inputEnvName, readActionMetadata } from './action-metadata.js'
export { makeRuntimeToken, readRuntimeToken } from './jwt.js'
export { REPO_ROOT, NODE24_BINARY } from './paths.js'
