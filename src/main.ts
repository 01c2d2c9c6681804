import { runMain } from './pipeline/main.js'

await runMain()
