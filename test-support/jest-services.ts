/**
 * The local runner's services (results service, Azurite) for one jest test file: started
 * before its tests, stopped after them.
 */
import { afterAll, beforeAll } from '@jest/globals'
import { startServices, type Services, type StartServicesOptions } from './runner/index.js'

/** Starts the services before the file's tests and hands them to `use`; stops them after. */
export function useServices(
  use: (services: Services) => void,
  options?: StartServicesOptions
): void {
  let started: Services | undefined
  beforeAll(async () => {
    started = await startServices(options)
    use(started)
  }, 120000)
  afterAll(async () => {
    await started?.stop()
  })
}
