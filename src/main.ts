import * as core from '@actions/core'
import { runMain } from './pipeline/main.js'
import { unsupportedRunnerError } from './runner-platform.js'

const refusal = unsupportedRunnerError(process.platform, process.arch)
if (refusal) core.setFailed(refusal)
else await runMain()
