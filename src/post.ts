import { runPost } from './pipeline/post.js'
import { unsupportedRunnerError } from './runner-platform.js'

// On a refused runner the main step did nothing, so there is nothing to save.
if (!unsupportedRunnerError(process.platform, process.arch)) await runPost()
