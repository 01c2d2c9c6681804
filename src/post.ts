import { runPost } from './pipeline/post.js'

await runPost()
